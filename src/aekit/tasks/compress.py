"""Compress images to a trained autoencoder's quantized, entropy-coded codes, and back.

compress: codes z = encode(x) -> symbols round(z / step) -> rANS (aekit.codec) -> one file.
decompress: symbols -> z_hat = symbols * step -> decode -> images in [0, 1].
`quality` (1..100) sets the step relative to the batch's RMS code value: step = rms * 2^((20 - q) / 10),
so higher quality means finer steps, more bits and higher PSNR. The decoder is the run's model,
named in the file by path and weights checksum.
`residual` (a step in pixel units) adds a second layer for rates beyond the model's ceiling:
the difference between the images and what the codes decode to, quantized with that step and
coded in the same file (format 2), one column per pixel; decompress adds it back and clips.
"""

from __future__ import annotations

import base64
import time
import zlib
from collections.abc import Callable, Sequence
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


def with_residual(base: np.ndarray, symbols: np.ndarray, step: float) -> np.ndarray:
    """Images in [0, 1]: the decoded base plus the residual symbols (N, pixels) times step."""
    return np.clip(base + (symbols * step).reshape(base.shape), 0.0, 1.0).astype(base.dtype)


def compress_bytes(
    ck, x: np.ndarray, quality: float = 50, residual: float | None = None,
    names: Sequence[str] | None = None,
) -> tuple[bytes, np.ndarray]:  # fmt: skip
    """The compressed file for images x (N, C, H, W) in [0, 1], and what decompressing it gives.
    `residual`: the step of the residual layer in pixel units (None: codes only). `names`: the
    images' file names (paths within their folder), stored in the file (`pack_names`) so that
    decompress writes each image under its name; they count in the file's size."""
    require_images(x, "compress")
    if len(x) == 0:
        raise AekitError("nothing to compress (no images)")
    if residual is not None and not 0 < residual <= 1:
        raise AekitError(f"residual step must be in (0, 1] (pixel units), got {residual:g}")
    ck.model.check_input(x.shape[1:])
    z = encode(ck.model, x)
    step = step_for(z, quality)
    symbols = quantize(z, step)
    recon = decode_images(ck.model, symbols * step)
    columns = symbols.shape[1]
    if residual is not None:
        r = quantize((x - recon).reshape(len(x), -1), residual)
        recon = with_residual(recon, r, residual)
        symbols = np.concatenate([symbols, r], 1)
    fields, tables, payload = codec.encode_symbols(symbols)
    header = {
        "format": FORMAT,
        "run": str(Path(ck.path).resolve()) if ck.path else None,
        "model": ck.info.get("model"),
        "weights_sha256": ck.info.get("weights_sha256"),
        "sample_shape": list(x.shape[1:]),
        "quality": quality,
        "step": step,
        "code_columns": columns,
        "residual_step": residual,
        **fields,
    }
    if names is not None:
        if len(names) != len(x):
            raise AekitError(f"{len(names)} names for {len(x)} images")
        header["names"] = pack_names(names)
    data = codec.write_file(header, tables, payload, version=1 if residual is None else 2)
    return data, recon


def pack_names(names: Sequence[str]) -> str:
    """File names as header text: zlib-compressed, newline-separated, base64 (sorted paths
    share long prefixes, so this is a fraction of the plain list)."""
    if any("\n" in n for n in names):
        raise AekitError("file names with line breaks cannot be stored")
    return base64.b64encode(zlib.compress("\n".join(names).encode(), 9)).decode("ascii")


def unpack_names(header: dict[str, Any], n: int, path: str | Path) -> list[str] | None:
    """The file names a compressed file stores (None when it stores none)."""
    if header.get("names") is None:
        return None
    inflate = zlib.decompressobj()
    try:  # at most PATH_MAX bytes a name: a crafted file cannot inflate to gigabytes
        text = inflate.decompress(base64.b64decode(header["names"]), n * 4096 + 1)
        names = text.decode().split("\n")
    except (ValueError, zlib.error, UnicodeDecodeError):
        raise AekitError(f"{path}: its stored file names are damaged") from None
    if inflate.unconsumed_tail or len(text) > n * 4096:
        raise AekitError(f"{path}: its stored file names are longer than file names can be")
    if len(names) != n:
        raise AekitError(f"{path}: {len(names)} stored file names for {n} images")
    return names


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
    run named in the file, or `run` when the run has moved; its weights must be the ones used.
    `decompress_names` gives the file names it stores, if any."""
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
    columns = int(header.get("code_columns") or symbols.shape[1])  # format 1: codes only
    x = decode_images(ck.model, symbols[:, :columns] * float(header["step"]))
    if header.get("residual_step") is not None:
        if symbols.shape[1] - columns != int(np.prod(x.shape[1:])):
            raise AekitError(f"{path}: the residual layer does not match the images' size")
        x = with_residual(x, symbols[:, columns:], float(header["residual_step"]))
    if list(x.shape[1:]) != list(header["sample_shape"]):
        raise AekitError(f"{path}: decoded shape {x.shape[1:]} differs from the header's")
    return x


def decompress_names(path: str | Path, n: int) -> list[str] | None:
    """The file names stored in a compressed file of n images (`compress --names`), or None."""
    return unpack_names(read_compressed(path)[0], n, path)


def compress_run(
    ck, x: np.ndarray, out: str | Path, quality: float = 50, residual: float | None = None,
    names: Sequence[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The `aekit compress` task: writes FILE, and beside it summary.json and compress.png
    (originals above, what decompressing gives below); returns the summary. `names`: store
    the images' file names too (`names_bytes` in the summary: their share of the file)."""
    from .. import plots
    from .common import write_summary

    out = Path(out)
    if out.is_dir():
        raise AekitError(f"{out} is a folder; give a file name for the compressed data")
    t0 = time.perf_counter()
    data, recon = compress_bytes(ck, x, quality, residual, names)
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
        "residual_step": residual,
        "names_bytes": len(pack_names(names)) if names is not None else 0,
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
