"""New samples from a generative model's prior, interpolations and latent traversals.

sample(): models with a prior (VAEs, the AAE, the GAN) draw `n` samples. interpolate(): the
decoded straight line between two inputs' codes (any autoencoder). traverse(): one code
dimension swept across its range (the prior's -3..3 for generative models, the data's codes'
mean +- 3 std otherwise) while the others stay at an input's code. A GAN has no encoder: its
interpolations and traversals start from the noise vectors of its own drawn samples.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import AekitError
from ..metrics import encode
from .compress import decode_images


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
    return decode_images(model, (1 - t) * za + t * zb)


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
    return decode_images(model, zs), values


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
    """The `aekit generate` task: samples.png/.npy (generative models), interpolation.png,
    traversal.png and summary.json in `out`."""
    from .. import plots
    from ..imageio import save_images
    from .common import output_dir, write_summary

    model = ck.model
    if len(model.input_shape) != 3:
        raise AekitError("generate draws images; this run was trained on a table")
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
    summary: dict[str, Any] = {"run": str(ck.path), "model": ck.info["model"], "files": []}
    if is_generative(model):
        s = sample(model, n, seed)
        save_images(s, out / "samples.npy")
        plots.image_grid(s, out / "samples.png", title=f"{n} samples from the prior")
        summary.update(samples=n, seed=seed)
        summary["files"] += ["samples.npy", "samples.png"]
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
        plots.image_rows([line, ends], ["A -> B", f"{what} A, B"], out / "interpolation.png",
                         title=f"from {what[:-1]} {i} to {what[:-1]} {j}")  # fmt: skip
        summary["interpolate"] = [i, j]
        summary["files"].append("interpolation.png")
    if traverse_dim is not None:
        if codes is not None:
            imgs, values = traverse(model, None, traverse_dim, code=codes[0])
        else:
            assert data is not None
            imgs, values = traverse(model, data[0], traverse_dim, data)
        plots.image_rows([imgs], [f"z[{traverse_dim}]"], out / "traversal.png",
                         title=f"dimension {traverse_dim} from {values[0]:.2f} to {values[-1]:.2f}")  # fmt: skip
        summary["traverse"] = {"dim": traverse_dim, "values": values.tolist()}
        summary["files"].append("traversal.png")
    write_summary(out, summary)
    return summary
