"""Compress images to a trained autoencoder's quantized, entropy-coded codes, and back.

compress: codes z = encode(x) -> symbols round(z / step) -> rANS (aekit.codec) -> one file.
decompress: symbols -> z_hat = symbols * step -> decode -> images in [0, 1].
`quality` (1..100) sets the step relative to the batch's RMS code value: step = rms * 2^((20 - q) / 10),
so higher quality means finer steps, more bits and higher PSNR. The decoder is the run's model,
named in the file by path and weights checksum.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import codec
from ..checkpoint import atomic_write_bytes
from ..errors import AekitError
from ..metrics import decode, encode, psnr
from .common import require_images

FORMAT = "aekit-compressed"


def step_for(codes: np.ndarray, quality: float) -> float:
    if not 1 <= quality <= 100:
        raise AekitError(f"quality must be in 1..100, got {quality:g}")
    rms = float(np.sqrt(np.mean(np.square(codes)))) or 1.0
    return rms * 2.0 ** ((20.0 - quality) / 10.0)


def quantize(codes: np.ndarray, step: float) -> np.ndarray:
    return np.round(np.asarray(codes, dtype=np.float64) / step).astype(np.int64)


def encoded_size(symbols: np.ndarray, header: dict[str, Any] | None = None) -> int:
    """Bytes of the compressed file for these symbols (header, tables, payload, checksum)."""
    fields, tables, payload = codec.encode_symbols(symbols)
    return len(codec.write_file({**(header or {}), **fields}, tables, payload))


def decode_images(model, z: np.ndarray) -> np.ndarray:
    """Images in [0, 1] from codes."""
    return np.clip(decode(model, np.asarray(z, dtype=np.float32)), 0.0, 1.0)


def compress_bytes(ck, x: np.ndarray, quality: float = 50) -> tuple[bytes, np.ndarray]:
    """The compressed file for images x (N, C, H, W) in [0, 1], and what decompressing it gives."""
    require_images(x, "compress")
    if len(x) == 0:
        raise AekitError("nothing to compress (no images)")
    ck.model.check_input(x.shape[1:])
    z = encode(ck.model, x)
    step = step_for(z, quality)
    symbols = quantize(z, step)
    fields, tables, payload = codec.encode_symbols(symbols)
    header = {
        "format": FORMAT,
        "run": str(Path(ck.path).resolve()) if ck.path else None,
        "model": ck.info.get("model"),
        "weights_sha256": ck.info.get("weights_sha256"),
        "sample_shape": list(x.shape[1:]),
        "quality": quality,
        "step": step,
        **fields,
    }
    data = codec.write_file(header, tables, payload)
    return data, decode_images(ck.model, symbols * step)


def read_compressed(path: str | Path) -> tuple[dict[str, Any], bytes, bytes]:
    p = Path(path)
    if not p.is_file():
        raise AekitError(f"{path}: no such file")
    header, tables, payload = codec.read_file(p.read_bytes(), str(path))
    if header.get("format") != FORMAT:
        raise AekitError(f"{path} is not an aekit compressed image file")
    return header, tables, payload


def decompress_file(path: str | Path, run: str | Path | None = None) -> np.ndarray:
    """Images (N, C, H, W) in [0, 1] from a compressed file, in input order. The decoder is the
    run named in the file, or `run` when the run has moved; its weights must be the ones used."""
    from .common import load_run

    header, tables, payload = read_compressed(path)
    run = run or header.get("run")
    if not run:
        raise AekitError(f"{path} does not name its run; give --run")
    ck = load_run(run)
    if ck.info.get("weights_sha256") != header.get("weights_sha256"):
        raise AekitError(
            f"{run} is not the model that wrote {path} (weights differ); give the right --run"
        )
    symbols = codec.decode_symbols(header, tables, payload)
    x = decode_images(ck.model, symbols * float(header["step"]))
    if list(x.shape[1:]) != list(header["sample_shape"]):
        raise AekitError(f"{path}: decoded shape {x.shape[1:]} differs from the header's")
    return x


def compress_run(ck, x: np.ndarray, out: str | Path, quality: float = 50) -> dict[str, Any]:
    """The `aekit compress` task: writes FILE, and beside it summary.json and compress.png
    (originals above, what decompressing gives below); returns the summary."""
    from .. import plots
    from .common import write_summary

    out = Path(out)
    if out.is_dir():
        raise AekitError(f"{out} is a folder; give a file name for the compressed data")
    t0 = time.perf_counter()
    data, recon = compress_bytes(ck, x, quality)
    seconds = time.perf_counter() - t0
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, data)
    summary = {
        "file": str(out),
        "images": int(len(x)),
        "bytes": len(data),
        "bits_per_image": 8 * len(data) / len(x),
        "raw_bits_per_image": 8 * int(np.prod(x.shape[1:])),
        "psnr": psnr(recon, x),
        "quality": quality,
        "seconds": seconds,
        "run": str(ck.path),
    }
    plots.image_rows([x[:10], recon[:10]], ["original", "decompressed"], out.parent / "compress.png",
                     title=f"{summary['bits_per_image']:.0f} bits per image, "
                           f"PSNR {summary['psnr']:.2f} dB")  # fmt: skip
    write_summary(out.parent, summary)
    return summary


def rate_distortion(
    encode_fn: Callable[[np.ndarray], np.ndarray],
    decode_fn: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    qualities: list[float],
) -> list[dict[str, float]]:
    """Bits per image and PSNR for a linear or learned transform coded the aekit way
    (same quantizer, same entropy coder, same file layout), one row per quality."""
    z = encode_fn(x)
    rows = []
    for q in qualities:
        step = step_for(z, q)
        symbols = quantize(z, step)
        bits = 8 * encoded_size(symbols, {"format": FORMAT, "step": step}) / len(x)
        recon = np.clip(decode_fn(symbols * step), 0.0, 1.0)
        rows.append({"quality": q, "bits_per_image": bits, "psnr": psnr(recon.reshape(x.shape), x)})
    return rows
