"""Audio: folders of WAV files, as waveforms (1, L) or log-mel spectrograms (n_mels, frames).

Labels come from subfolders (one per class) or, for files named like the Free Spoken Digit
Dataset's `{label}_{speaker}_{index}.wav`, from the name; such a folder keeps FSDD's official
split (recordings with index 0-4 are the test set). Every file is cut or zero-padded to
`clip_seconds`. All files must share one sample rate unless `resample` gives the rate to
convert them to. Log-mel spectrograms are computed with torch.stft and a mel filterbank
written out here (no torchaudio).
"""

from __future__ import annotations

import math
import re
import wave
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import AekitError
from .base import relative_names

FSDD_NAME = re.compile(r"^([^_]+)_([^_]+)_(\d+)\.wav$", re.IGNORECASE)
FSDD_TEST_BELOW = 5  # FSDD's README: recordings 0-4 of each digit and speaker are the test set
FEATURES = ("logmel", "waveform")


def wav_files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.suffix.lower() == ".wav" and p.is_file())


def is_audio_folder(path: Path) -> bool:
    return path.is_dir() and any(path.rglob("*.[wW][aA][vV]"))


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono samples in [-1, 1] (channels averaged) and the sample rate; PCM 8/16/24/32-bit, or
    32/64-bit IEEE float (nominally in [-1, 1], taken as they are)."""
    try:
        with wave.open(str(path), "rb") as w:
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError, OSError) as e:
        floats = _read_float_wav(path)  # the wave module reads PCM only
        if floats is not None:
            return floats
        raise AekitError(f"{path}: not a readable PCM or float WAV file ({e})") from None
    if width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v) / float(1 << 23)).astype(np.float32)
    elif width == 4:
        x = np.frombuffer(raw, "<i4").astype(np.float32) / float(1 << 31)
    else:
        raise AekitError(f"{path}: unsupported sample width of {width} bytes")
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1)
    return x, rate


def _read_float_wav(path: Path) -> tuple[np.ndarray, int] | None:
    """Mono float32 samples and the rate of an IEEE-float WAV file; None for anything else."""
    import warnings

    from scipy.io import wavfile

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", wavfile.WavFileWarning)  # e.g. unknown chunks
            rate, data = wavfile.read(path)
    except Exception:  # noqa: BLE001 - scipy raises assorted errors on malformed files (even
        return None  # UnboundLocalError); any of them means "not a float WAV" here
    if data.dtype.kind != "f":
        return None
    x = data.astype(np.float32)
    return (x.mean(axis=1) if x.ndim == 2 else x), int(rate)


def write_wav(path: Path, x: np.ndarray, rate: int) -> Path:
    """Mono 16-bit PCM; samples outside [-1, 1] are clipped."""
    pcm = np.round(np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(pcm.tobytes())
    return path


def resample(x: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target:
        return x
    from scipy.signal import resample_poly

    g = math.gcd(rate, target)
    return resample_poly(x, target // g, rate // g).astype(np.float32)


def fix_length(x: np.ndarray, n: int) -> np.ndarray:
    """Cut to n samples, or pad with zeros at the end."""
    return x[:n] if len(x) >= n else np.pad(x, (0, n - len(x)))


def mel_filterbank(rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) triangular filters equally spaced on the HTK mel scale, each
    with unit area (so bands of any width weigh the same)."""

    def mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    edges = hz(np.linspace(mel(0.0), mel(rate / 2), n_mels + 2))
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None] - lo) / (mid - lo)
    down = (hi - freqs[None]) / (hi - mid)
    fb = np.maximum(0.0, np.minimum(up, down))
    return (fb * (2.0 / (hi - lo))).astype(np.float32)


@dataclass
class AudioFeatures:
    """How waveforms become model inputs; saved with the model so new files get the same."""

    kind: str = "logmel"  # "logmel" (n_mels, frames) | "waveform" (1, samples)
    sample_rate: int = 8000
    clip_samples: int = 8000
    n_fft: int = 256  # 32 ms at 8 kHz
    hop: int = 128
    n_mels: int = 40

    def __post_init__(self) -> None:
        if self.kind not in FEATURES:
            raise AekitError(f"audio features must be one of {', '.join(FEATURES)}")
        if self.clip_samples < self.n_fft:
            raise AekitError(f"clips of {self.clip_samples} samples are shorter than n_fft")

    def to_dict(self) -> dict[str, Any]:
        return {"type": "audio", **asdict(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AudioFeatures:
        return cls(**{k: v for k, v in d.items() if k != "type"})

    def transform(self, waves: np.ndarray) -> np.ndarray:
        """(N, clip_samples) waveforms -> (N, 1, L) or (N, n_mels, frames) float32."""
        if self.kind == "waveform":
            return waves[:, None].astype(np.float32)
        return log_mel(waves, self.sample_rate, self.n_fft, self.hop, self.n_mels)


def log_mel(waves: np.ndarray, rate: int, n_fft: int, hop: int, n_mels: int) -> np.ndarray:
    """(N, samples) -> natural-log mel power spectrogram (N, n_mels, frames)."""
    fb = torch.from_numpy(mel_filterbank(rate, n_fft, n_mels))
    out = []
    window = torch.hann_window(n_fft)
    for i in range(0, len(waves), 512):
        x = torch.from_numpy(np.ascontiguousarray(waves[i : i + 512], dtype=np.float32))
        spec = torch.stft(x, n_fft, hop, window=window, center=True, return_complex=True)
        power = spec.abs().pow(2)  # (B, n_fft // 2 + 1, frames)
        out.append(torch.log(torch.einsum("mf,bft->bmt", fb, power) + 1e-6).numpy())
    return np.concatenate(out).astype(np.float32)


def mfcc(logmel: np.ndarray, n: int = 13) -> np.ndarray:
    """MFCCs (N, n, frames): the orthonormal DCT-II of log-mel spectrograms over the bands."""
    from scipy.fft import dct

    return dct(logmel, type=2, axis=1, norm="ortho")[:, :n]


def read_folder(
    path: Path,
    features: AudioFeatures | None = None,
    *,
    clip_seconds: float = 1.0,
    resample_to: int | None = None,
    kind: str = "logmel",
) -> tuple[
    np.ndarray, np.ndarray | None, list[str] | None, np.ndarray | None, AudioFeatures, np.ndarray
]:
    """Waveforms (N, clip_samples), labels or None, class names, a test mask (FSDD naming) or
    None, the features (`features` when given: a trained model's, whose rate is kept), and
    each file's path relative to the folder."""
    if not clip_seconds > 0:
        raise AekitError(f"--clip-seconds must be > 0, got {clip_seconds}")
    files = wav_files(path)
    if not files:
        raise AekitError(f"{path}: no .wav files")
    waves, rates = [], []
    target = resample_to or (features.sample_rate if features else None)
    for f in files:
        x, rate = read_wav(f)
        if target is None:
            target = rate
        if rate != target and resample_to is None:
            raise AekitError(
                f"{f}: sample rate {rate} Hz, but {target} Hz is expected "
                f"(pass --resample {target} to convert)"
            )
        waves.append(resample(x, rate, target))
        rates.append(rate)
    assert target is not None
    if features is None:
        features = AudioFeatures(kind=kind, sample_rate=target,
                                 clip_samples=int(round(clip_seconds * target)))  # fmt: skip
    x = np.stack([fix_length(w, features.clip_samples) for w in waves])
    y, names, test = _labels(path, files)
    return x, y, names, test, features, relative_names(path, files)


def _labels(
    root: Path, files: list[Path]
) -> tuple[np.ndarray | None, list[str] | None, np.ndarray | None]:
    """Labels from subfolders, or from FSDD-style names (which also give the test mask)."""
    parents = {f.parent for f in files}
    if parents != {root}:
        folders = [str(f.parent.relative_to(root)) for f in files]
        names = sorted(set(folders))
        return np.array([names.index(d) for d in folders]), names, None
    matches = [FSDD_NAME.match(f.name) for f in files]
    if all(matches):
        labels = [m.group(1) for m in matches if m]
        names = sorted(
            set(labels), key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s)
        )
        test = np.array([int(m.group(3)) < FSDD_TEST_BELOW for m in matches if m])
        return np.array([names.index(v) for v in labels]), names, test
    return None, None, None
