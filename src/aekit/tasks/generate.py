"""New samples from a generative model's prior, interpolations and latent traversals.

sample(): models with a prior (VAEs, the AAE, the GAN) draw `n` samples. interpolate(): the
decoded straight line between two inputs' codes (any autoencoder). traverse(): one code
dimension swept across its range (the prior's -3..3 for generative models, the data's codes'
mean +- 3 std otherwise) while the others stay at an input's code. A GAN has no encoder: its
interpolations and traversals start from the noise vectors of its own drawn samples.

generate_run() writes what fits the data: images as PNG grids; series and audio as line plots
(waveforms) or spectrogram images (log-mel), with the samples in the data's units and, for
waveforms, WAV files; tables as CSV in the data's units with per-feature histograms (generated
over real) and heatmaps of paths; text as each decoded vector's top-weighted words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..checkpoint import save_npy
from ..errors import AekitError
from ..metrics import decode, encode


def is_generative(model) -> bool:
    return callable(getattr(model, "sample", None))


def sample(model, n: int, seed: int = 0) -> np.ndarray:
    """n samples (N, *input_shape) from the model's prior, reproducible for a seed."""
    if not is_generative(model):
        raise AekitError(
            f"a {model.registry_name!r} model has no prior to sample from; train a vae, "
            "conv-vae, aae or gan (interpolation and traversal work for every model)"
        )
    if n < 1:
        raise AekitError("--n must be >= 1")
    return model.sample(n, generator=torch.Generator().manual_seed(seed)).cpu().numpy()


def interpolate(model, a: np.ndarray, b: np.ndarray, steps: int = 10) -> np.ndarray:
    """Decoded codes on the line from a's code to b's code, ends included: (steps, *shape)."""
    za, zb = encode(model, np.stack([a, b]))
    return lerp_codes(model, za, zb, steps)


def lerp_codes(model, za: np.ndarray, zb: np.ndarray, steps: int = 10) -> np.ndarray:
    """Decoded codes on the line from za to zb, ends included: (steps, *shape)."""
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    return decoded(model, (1 - t) * za + t * zb)


def decoded(model, z: np.ndarray) -> np.ndarray:
    """What codes decode to: images clipped to [0, 1]; other data in the model's (scaled)
    units, as it outputs them."""
    x = decode(model, np.asarray(z, dtype=np.float32))
    return np.clip(x, 0.0, 1.0) if len(model.input_shape) == 3 else x


def traverse(
    model,
    base: np.ndarray | None,
    dim: int,
    data: np.ndarray | None = None,
    steps: int = 10,
    code: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Decodes of base's code (or of `code`) with dimension `dim` swept; returns (images,
    values)."""
    if code is None:
        assert base is not None
        code = encode(model, base[None])[0]
    z = np.array(code, dtype=np.float32)
    if not 0 <= dim < len(z):
        raise AekitError(f"--traverse {dim}: the code has dimensions 0..{len(z) - 1}")
    if is_generative(model) or data is None:
        lo, hi = -3.0, 3.0
    else:
        codes = encode(model, data)[:, dim]
        lo, hi = float(codes.mean() - 3 * codes.std()), float(codes.mean() + 3 * codes.std())
    values = np.linspace(lo, hi, steps, dtype=np.float32)
    zs = np.repeat(z[None], steps, 0)
    zs[:, dim] = values
    return decoded(model, zs), values


SIGNAL_SAMPLES = 32  # signals drawn in samples.png, 8 per row
WAV_SAMPLES = 8  # audio waveform samples also written as WAV files
TOP_WORDS = 10  # words listed per decoded text vector


def output_kind(model, data: dict[str, Any]) -> str:
    """How decoded data is shown: "image", "signal" (series, audio), "table" or "text"; `data`
    is a checkpoint's data description (Dataset.describe())."""
    if len(model.input_shape) == 3:
        return "image"
    kind = data.get("kind")
    if kind in ("series", "audio") or (kind is None and len(model.input_shape) == 2):
        return "signal"
    return "text" if kind == "text" else "table"


class Forms:
    """Decoded arrays (the model's scaled units) in the form that fits the data: figures
    (`samples_figure`, `path_figure`, for generate and the report) and files (`samples`,
    `path`, which return the names of the files they wrote into `out`). `real`: rows of real
    data (scaled), drawn under a table's samples."""

    def __init__(self, model, scaler, data: dict[str, Any], real: np.ndarray | None = None):
        from ..data.base import column_names
        from ..data.table_features import table_features

        self.scaler, self.real = scaler, real
        self.kind = output_kind(model, data)
        shape = data.get("sample_shape") or list(model.input_shape)  # fit() on bare arrays
        self.names = (
            column_names({**data, "sample_shape": shape}) if self.kind in ("table", "text") else []
        )
        self.categories = table_features(data) if self.kind == "table" else None
        feats = data.get("features") or {}
        self.waveform = data.get("kind") == "audio" and feats.get("kind") == "waveform"
        self.rate = int(feats.get("sample_rate", 0)) if self.waveform else 0

    def units(self, x: np.ndarray) -> np.ndarray:
        """Scaled values back in the data's own units (images stay in [0, 1])."""
        return x if self.kind == "image" else self.scaler.inverse_transform(x)

    # -- figures ----------------------------------------------------------------------------
    @property
    def has_figures(self) -> bool:
        return self.kind != "text"  # text: words, listed

    def samples_figure(self, x: np.ndarray, path: Path, title: str) -> Path:
        """Images as a grid, the first SIGNAL_SAMPLES signals as lines or spectrograms, a
        table's samples as per-feature histograms (over the real rows); text has none."""
        from .. import plots

        if self.kind == "image":
            return plots.image_grid(x, path, title=title)
        if self.kind == "signal":
            shown = self.units(x[:SIGNAL_SAMPLES])
            rows = [shown[i : i + 8] for i in range(0, len(shown), 8)]
            labels = [f"{i}-{i + len(r) - 1}" for i, r in zip(range(0, len(shown), 8), rows)]
            return plots.signal_rows(rows, labels, path, title=title, spectrogram=self.waveform)
        if self.kind == "table":
            real = self.units(self.real) if self.real is not None else None
            if real is not None:
                title += ": generated (orange) over real test rows (blue)"
            return plots.column_panels(None if real is None else self.columns(real),
                                       self.columns(self.units(x)), path, title=title)  # fmt: skip
        raise ValueError("text samples have no figure: list their words")

    def path_figure(self, rows: list[np.ndarray], labels: list[str], path: Path,
                    title: str) -> Path:  # fmt: skip
        """Rows of decoded arrays (a path first, then e.g. its ends), labelled on the left:
        images, lines or spectrograms; a table's steps as one heatmap; text has none."""
        from .. import plots

        if self.kind == "image":
            return plots.image_rows(rows, labels, path, title=title)
        if self.kind == "signal":
            return plots.signal_rows([self.units(r) for r in rows], labels, path, title=title,
                                     spectrogram=self.waveform)  # fmt: skip
        if self.kind == "table":
            steps = _steps(rows, labels)
            return plots.path_heatmap(np.stack([v for _, v in steps]), self.names,
                                      [s for s, _ in steps], path, title=title)  # fmt: skip
        raise ValueError("text paths have no figure: list their words")

    # -- files ------------------------------------------------------------------------------
    def samples(self, x: np.ndarray, out: Path, title: str) -> list[str]:
        """samples.npy (images: in [0, 1]; signals: in the data's units) or samples.csv
        (tables: the data's columns; text: the heaviest words), the figure, and for audio
        waveforms the first WAV_SAMPLES as WAV files."""
        from ..imageio import save_images

        files = []
        if self.kind == "image":
            save_images(x, out / "samples.npy")
            files.append("samples.npy")
        elif self.kind == "signal":
            save_npy(out / "samples.npy", self.units(x))
            files.append("samples.npy")
        else:
            _write_csv(out / "samples.csv", "sample", range(len(x)), self.table(x))
            files.append("samples.csv")
        if self.has_figures:
            files.append(self.samples_figure(x, out / "samples.png", title).name)
        if self.waveform:
            from ..data.audio import write_wav

            (out / "wav").mkdir(exist_ok=True)
            raw = self.units(x[:WAV_SAMPLES])
            for i in range(len(raw)):
                write_wav(out / "wav" / f"sample_{i:03d}.wav", raw[i, 0], self.rate)
            files.append("wav/")
        return files

    def path(self, name: str, rows: list[np.ndarray], labels: list[str], out: Path,
             title: str) -> list[str]:  # fmt: skip
        """NAME.png, and for tables and text NAME.csv with one row per step (its label in the
        first column): a table's values in the data's units, or the heaviest words."""
        files = []
        if self.kind in ("table", "text"):
            steps = _steps(rows, labels)
            _write_csv(out / f"{name}.csv", "row", [s for s, _ in steps],
                       self.table(np.stack([v for _, v in steps])))  # fmt: skip
            files.append(f"{name}.csv")
        if self.has_figures:
            files.append(self.path_figure(rows, labels, out / f"{name}.png", title).name)
        return files

    def table(self, x: np.ndarray) -> dict[str, Any]:
        """CSV columns of decoded rows: a table's columns in the data's units (a categorical
        column's category), or text's heaviest words."""
        if self.kind == "text":
            return {"words": [self.words(v) for v in x]}
        return self.columns(self.units(x))

    def columns(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """A table's rows in the data's units as its columns: one-hot columns back to their
        likeliest category."""
        if self.categories is not None:
            return self.categories.decode(x)
        return dict(zip(self.names, x.T))

    def words(self, v: np.ndarray) -> str:
        """The (up to) TOP_WORDS words a text vector weighs most, heaviest first; words of
        weight 0 (absent from an input document) are left out."""
        v = np.ravel(v)
        top = np.argsort(-v, kind="stable")[:TOP_WORDS]
        return " ".join(self.names[i] for i in top if v[i] > 0)


def _steps(rows: list[np.ndarray], labels: list[str]) -> list[tuple[str, np.ndarray]]:
    """Every row of every array, labelled "LABEL k"."""
    return [(f"{label} {k}", v) for r, label in zip(rows, labels) for k, v in enumerate(r)]


def _write_csv(path: Path, first: str, index: Any, columns: dict[str, Any]) -> None:
    """A CSV file (written whole or not at all): the `first` column, then `columns`; floats
    with 9 significant digits, which read back as the same float32 values."""
    import pandas as pd

    from ..checkpoint import atomic_write_bytes

    frame = pd.DataFrame({first: list(index), **columns})
    atomic_write_bytes(path, frame.to_csv(index=False, float_format="%.9g").encode())


def generate_run(
    ck,
    out: str | Path,
    *,
    n: int = 64,
    data: np.ndarray | None = None,
    interpolate_pair: tuple[int, int] | None = None,
    traverse_dim: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """The `aekit generate` task: samples (generative models), an interpolation and a
    traversal, each in the form that fits the run's data (see Forms), and summary.json in
    `out`. `data` (scaled like the run's) gives the inputs to interpolate and traverse from,
    and for a table run the real rows its samples' histograms are drawn over."""
    from .common import output_dir, write_summary

    model = ck.model
    decoded(model, np.zeros((1, model.latent), np.float32))  # a model that cannot decode: say so
    if is_generative(model) and n < 1:  # before the output folder exists
        raise AekitError("--n must be >= 1")
    if not is_generative(model) and interpolate_pair is None and traverse_dim is None:
        sample(model, n)  # raises the clear error
    if not model.has_encoder:  # a GAN: its own samples are the inputs
        data = None
        pool, what = n, "drawn samples"
    else:
        if (interpolate_pair is not None or traverse_dim is not None) and data is None:
            raise AekitError("interpolation and traversal need data to take inputs from")
        pool, what = (len(data) if data is not None else 0), "inputs"
    if interpolate_pair is not None:
        bad = [i for i in interpolate_pair if not 0 <= i < pool]
        if bad:
            raise AekitError(f"--interpolate: index {bad[0]} is outside 0..{pool - 1} ({what})")
    if traverse_dim is not None and not 0 <= traverse_dim < model.latent:
        raise AekitError(
            f"--traverse {traverse_dim}: the code has dimensions 0..{model.latent - 1}"
        )
    out = output_dir(out)
    forms = Forms(model, ck.scaler, ck.data, real=data)
    summary: dict[str, Any] = {"run": str(ck.path), "model": ck.info["model"],
                               "output": forms.kind, "files": []}  # fmt: skip
    if is_generative(model):
        s = sample(model, n, seed)
        summary["files"] += forms.samples(s, out, f"{n} samples from the prior")
        summary.update(samples=n, seed=seed)
    codes = None
    if not model.has_encoder:  # the noise vectors behind samples.png (same seed)
        codes = model.prior(n, torch.Generator().manual_seed(seed)).cpu().numpy()
    if interpolate_pair is not None:
        i, j = interpolate_pair
        if codes is not None:
            line, ends = lerp_codes(model, codes[i], codes[j]), s[[i, j]]
        else:
            assert data is not None
            line, ends = interpolate(model, data[i], data[j]), np.stack([data[i], data[j]])
        summary["files"] += forms.path("interpolation", [line, ends], ["A -> B", f"{what} A, B"],
                                       out, f"from {what[:-1]} {i} to {what[:-1]} {j}")  # fmt: skip
        summary["interpolate"] = [i, j]
    if traverse_dim is not None:
        if codes is not None:
            imgs, values = traverse(model, None, traverse_dim, code=codes[0])
        else:
            assert data is not None
            imgs, values = traverse(model, data[0], traverse_dim, data)
        summary["files"] += forms.path("traversal", [imgs], [f"z[{traverse_dim}]"], out,
                                       f"dimension {traverse_dim} from {values[0]:.2f} to "
                                       f"{values[-1]:.2f}")  # fmt: skip
        summary["traverse"] = {"dim": traverse_dim, "values": values.tolist()}
    write_summary(out, summary)
    return summary
