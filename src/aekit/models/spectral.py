"""A denoising autoencoder for waveforms that works on their spectrogram.

The input waveform (1, L) goes through a short-time Fourier transform. The encoder maps the
log magnitudes (one channel per frequency bin, over time) to a code: `latent` channels per
code frame, the frames strided by 2 per extra hidden layer. The decoder maps the code back to
one gain in [0, 1] per time-frequency cell. The output is the input's STFT times those gains,
turned back into a waveform by the inverse STFT, so it keeps the input's phase.

Trained with noise (e.g. `--noise snr:5`) it learns which cells hold the signal: a learned,
time-varying Wiener-like gain. Its decoder needs the input's spectrogram, so there is no
decode(codes) alone and no sampling: it is a denoiser, not a generator. Trained without
noise it can learn the identity (every gain 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..errors import AekitError
from ..registry import register
from .base import Autoencoder
from .layers import activation as act_layer

LOG_FLOOR = 1e-3  # log(|STFT| + floor): silence maps to a finite value


@register(
    "spectral",
    "waveform denoiser: STFT, a conv code per frame, a gain per time-frequency cell, inverse STFT",
)
class SpectralAutoencoder(Autoencoder):
    window: torch.Tensor  # a buffer: the Hann window of the STFT (not saved; rebuilt)
    default_lr = 3e-4  # FSDD, 3 epochs: 9.79 dB at 3e-4, 8.51 at 1e-3 (bench/fsdd_denoise.py)

    def __init__(
        self,
        input_shape: Sequence[int],
        latent: int = 64,  # code channels per code frame; the code holds latent x frames numbers
        channels: Sequence[int] = (256, 256),  # hidden widths; each one after the first halves
        n_fft: int = 256,  # the time resolution of the code
        hop: int = 64,
        activation: str = "gelu",
        recon_loss: str = "psnr",  # mean per-clip 10 log10 MSE: maximizes the mean SNR in dB
        **common: Any,  # options every family shares: see Autoencoder
    ):
        super().__init__(input_shape, latent, recon_loss=recon_loss, **common)
        shape = self.input_shape
        if len(shape) != 2 or shape[0] != 1 or shape[1] < n_fft:
            raise AekitError(
                f"model 'spectral' needs mono waveforms (1, L) with L >= n_fft = {n_fft}; got "
                f"samples of shape {shape} (read audio with --audio-features waveform)"
            )
        if self.output != "linear":
            raise AekitError("model 'spectral' outputs waveforms: its output must be 'linear'")
        if not channels:
            raise AekitError("model 'spectral' needs at least one hidden width in channels")
        self.n_fft, self.hop = int(n_fft), int(hop)
        self.register_buffer("window", torch.hann_window(self.n_fft), persistent=False)
        bins = self.n_fft // 2 + 1
        widths = [int(c) for c in channels]
        enc: list[nn.Module] = [nn.BatchNorm1d(bins), nn.Conv1d(bins, widths[0], 5, padding=2)]
        enc.append(act_layer(activation))
        for a, b in zip(widths[:-1], widths[1:]):
            enc += [nn.Conv1d(a, b, 3, stride=2, padding=1), act_layer(activation)]
        enc.append(nn.Conv1d(widths[-1], self.latent, 3, padding=1))
        self.encoder = nn.Sequential(*enc)
        dec: list[nn.Module] = []
        c = self.latent
        for w in reversed(widths[:-1]):  # undo each stride
            dec += [nn.ConvTranspose1d(c, w, 4, stride=2, padding=1), act_layer(activation)]
            c = w
        dec += [nn.Conv1d(c, widths[0], 5, padding=2), act_layer(activation)]
        dec.append(nn.Conv1d(widths[0], bins, 1))
        self.decoder = nn.Sequential(*dec)
        code_frames = shape[1] // self.hop + 1  # torch.stft's frames (center=True)
        for _ in widths[1:]:
            code_frames = (code_frames + 1) // 2
        self.code_channels = self.latent
        self.latent = self.latent * code_frames  # the flattened code's size (encode's output)

    def _stft(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stft(x[:, 0], self.n_fft, self.hop, window=self.window, center=True,
                          return_complex=True)  # fmt: skip

    def _code(self, spec: torch.Tensor) -> torch.Tensor:
        return self._code_act(self.encoder(torch.log(spec.abs() + LOG_FLOOR)))

    def _gains(self, code: torch.Tensor, frames: int) -> torch.Tensor:
        return torch.sigmoid(self.decoder(code)[..., :frames])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, L) -> codes (B, latent x code frames)."""
        return self._code(self._stft(x)).flatten(1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        raise AekitError(
            "model 'spectral' rebuilds a waveform from its input's spectrogram: "
            "it reconstructs or denoises inputs, but cannot decode codes alone"
        )

    def gains(self, x: torch.Tensor) -> torch.Tensor:
        """The gain in [0, 1] per time-frequency cell (B, n_fft // 2 + 1, frames) for inputs x."""
        spec = self._stft(x)
        return self._gains(self._code(spec), spec.shape[-1])

    def logits_and_code(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The output waveforms (B, 1, L) and the flattened codes, from one STFT."""
        spec = self._stft(x)
        code = self._code(spec)
        out = torch.istft(spec * self._gains(code, spec.shape[-1]), self.n_fft, self.hop,
                          window=self.window, center=True, length=x.shape[-1])  # fmt: skip
        return out[:, None], code.flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits_and_code(x)[0]  # output "linear": the waveform as it comes
