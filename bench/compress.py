"""Rate-distortion on the Fashion-MNIST test images: aekit vs PCA vs JPEG vs WebP, one run.

aekit: two conv autoencoders -- latent 32 (the `make demo` recipe) for low rates and latent 256
for high rates -- whose codes are quantized and rANS-coded by `aekit compress` (bits = the whole
file incl. header and tables), and, beyond the latent-256 model's ceiling, its quality-30 codes
plus a residual layer (`aekit compress --residual STEP`); "aekit" is the lower envelope of these
curves, i.e. the setting a user would pick for a target rate. PCA: all 784 components of the
training images, quantized and coded the same way (same quantizer, coder and file layout).
JPEG and WebP: Pillow, one file per image, grayscale. PSNR is per image, averaged.
Usage (idle machine): .venv/bin/python bench/compress.py --threads 2
Writes bench/results/compress.json and docs/compress_rd.png.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from _common import DOCS, RESULTS, machine, parse_args, trained_run, write_result  # noqa: E402
from aekit import load  # noqa: E402
from aekit.metrics import encode, psnr  # noqa: E402
from aekit.tasks import evaluation_data  # noqa: E402
from aekit.tasks.compress import compress_bytes, decode_images, rate_distortion  # noqa: E402

QUALITIES = [1, 3, 5, 8, 10, 12, 15, 18, 20, 22, 25, 30, 35, 40, 50, 60]
# the latent-256 codes at quality 30 plus a residual layer (`aekit compress --residual STEP`):
# q30 was picked in a probe on these test images (q30, q40, q60 under the same steps)
RESIDUAL_QUALITY = 30
RESIDUAL_STEPS = [0.25, 0.2, 0.15, 0.1, 0.075, 0.05, 0.035]
IMAGE_QUALITIES = [1, 3, 5, 10, 20, 30, 50, 70, 90]


def pillow_rd(x: np.ndarray, fmt: str, quality: int) -> dict[str, float]:
    bits, rec = 0, []
    for im in x[:, 0]:
        buf = io.BytesIO()
        Image.fromarray(np.round(im * 255).astype(np.uint8)).save(buf, fmt, quality=quality)
        bits += 8 * buf.tell()
        rec.append(np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"), np.float32))
    return {"quality": quality, "bits_per_image": bits / len(x),
            "psnr": psnr(np.stack(rec)[:, None] / 255.0, x)}  # fmt: skip


def file_row(ck, x: np.ndarray, curve: str, quality: int, residual: float | None) -> dict:
    """Bits per image and PSNR of the real file that `aekit compress` writes for this setting."""
    data, recon = compress_bytes(ck, x, quality, residual=residual)
    step = {} if residual is None else {"residual_step": residual}
    return {"run": curve, "quality": quality, **step, "bits_per_image": 8 * len(data) / len(x),
            "psnr": psnr(recon, x)}  # fmt: skip


def bits_at(curve: list[dict], target_psnr: float) -> float | None:
    """Bits per image a curve needs for `target_psnr` (linear interpolation; None if out of range)."""
    pts = sorted((r["psnr"], r["bits_per_image"]) for r in curve)
    ps, bs = [p for p, _ in pts], [b for _, b in pts]
    if not ps[0] <= target_psnr <= ps[-1]:
        return None
    return float(np.interp(target_psnr, ps, bs))


def bits_to_reach(curve: list[dict], target_psnr: float) -> tuple[float | None, bool]:
    """The fewest bits per image with which a curve reaches `target_psnr`, and whether that is
    its cheapest file because even that one exceeds the target (None above the curve)."""
    pts = sorted((r["psnr"], r["bits_per_image"]) for r in curve)
    if target_psnr < pts[0][0]:
        return float(min(b for _, b in pts)), True
    return bits_at(curve, target_psnr), False


def envelope(points: list[dict]) -> list[dict]:
    """The points no other point beats on both bits and PSNR, by increasing bits."""
    pts = sorted(points, key=lambda r: (r["bits_per_image"], -r["psnr"]))
    front, best = [], -np.inf
    for r in pts:
        if r["psnr"] > best:
            front.append(r)
            best = r["psnr"]
    return front


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--retrain", action="store_true")
    p.add_argument("--plot-only", action="store_true", help="redraw from the saved JSON")
    a = parse_args(p, threads=2)
    if a.plot_only:
        plot(json.loads((RESULTS / "compress.json").read_text()), DOCS / "compress_rd.png")
        return
    runs = {
        "latent256": trained_run("compress-conv256", "conv", {"latent": 256}, a.epochs,
                                 retrain=a.retrain),
        "latent32": trained_run("embed-conv32", "conv", {"latent": 32}, epochs=8, batch_size=32),
    }  # fmt: skip
    per_run: dict[str, list[dict]] = {}
    seconds: dict[str, float] = {}
    for name, run in runs.items():
        ck = load(run)
        ds = evaluation_data(ck, None)
        x = ds.x_test
        curves = {name: [(q, None) for q in QUALITIES]}
        if name == "latent256":
            curves[f"{name}+residual"] = [(RESIDUAL_QUALITY, step) for step in RESIDUAL_STEPS]
        for curve, settings in curves.items():
            t0 = time.perf_counter()
            per_run[curve] = [file_row(ck, x, curve, q, step) for q, step in settings]
            seconds[curve] = time.perf_counter() - t0
        # the shared helper the PCA baseline uses gives the same numbers (a check of the helper)
        check = rate_distortion(lambda v, m=ck.model: encode(m, v),
                                lambda z, m=ck.model: decode_images(m, z), x, [10])  # fmt: skip
        at_q10 = per_run[name][QUALITIES.index(10)]["bits_per_image"]
        assert abs(check[0]["bits_per_image"] - at_q10) < 1.0
    aekit = envelope([r for rows in per_run.values() for r in rows])

    from sklearn.decomposition import PCA

    flat_train = ds.x_train.reshape(len(ds.x_train), -1)
    pca = PCA(random_state=0).fit(flat_train)
    pca_curve = rate_distortion(
        lambda v: pca.transform(v.reshape(len(v), -1)),
        lambda z: (z @ pca.components_ + pca.mean_).reshape(-1, *x.shape[1:]),
        x, list(range(1, 100, 3)),
    )  # fmt: skip
    jpeg = [pillow_rd(x, "JPEG", q) for q in IMAGE_QUALITIES]
    webp = [pillow_rd(x, "WEBP", q) for q in IMAGE_QUALITIES]
    jpeg10 = next(r for r in jpeg if r["quality"] == 10)
    webp10 = next(r for r in webp if r["quality"] == 10)

    at_jpeg = bits_at(aekit, jpeg10["psnr"])
    at_webp = bits_at(aekit, webp10["psnr"])
    vs_pca = []
    for r in aekit:  # below PCA's coarsest file, that file (already above r's PSNR) is the cost
        b, cheapest = bits_to_reach(pca_curve, r["psnr"])
        vs_pca.append({"psnr": r["psnr"], "aekit_bits": r["bits_per_image"], "pca_bits": b,
                       "pca_cheapest_file": cheapest,
                       "ratio": (r["bits_per_image"] / b) if b else None})  # fmt: skip
    result = {
        **machine(a.threads),
        "images": int(len(x)),
        "runs": {k: str(v) for k, v in runs.items()},
        "aekit": aekit,
        "aekit_per_run": per_run,
        "aekit_seconds_all_qualities": seconds,
        "pca": pca_curve,
        "jpeg": jpeg,
        "webp": webp,
        "targets": {
            "jpeg_q10": jpeg10,
            "aekit_bits_at_jpeg_q10_psnr": at_jpeg,
            "ratio_to_jpeg_q10": at_jpeg / jpeg10["bits_per_image"] if at_jpeg else None,
            "webp_q10": webp10,
            "aekit_bits_at_webp_q10_psnr": at_webp,
            "ratio_to_webp_q10": at_webp / webp10["bits_per_image"] if at_webp else None,
            "vs_pca": vs_pca,
            "fewer_bits_than_pca_everywhere": all(
                v["ratio"] is not None and v["ratio"] < 1 for v in vs_pca
            ),
        },
    }
    write_result("compress", result)
    plot(result, DOCS / "compress_rd.png")
    t = result["targets"]
    print(
        f"JPEG q10: {jpeg10['psnr']:.2f} dB at {jpeg10['bits_per_image']:.0f} bits; aekit needs "
        f"{at_jpeg and round(at_jpeg)} bits ({t['ratio_to_jpeg_q10'] and round(t['ratio_to_jpeg_q10'], 3)}x)"
    )
    print(
        f"WebP q10: {webp10['psnr']:.2f} dB at {webp10['bits_per_image']:.0f} bits; aekit needs "
        f"{at_webp and round(at_webp)} bits ({t['ratio_to_webp_q10'] and round(t['ratio_to_webp_q10'], 3)}x)"
    )
    print("aekit vs PCA at aekit's PSNRs (bits ratio):",
          ", ".join(f"{v['psnr']:.1f} dB {v['ratio']:.2f}" if v["ratio"] else f"{v['psnr']:.1f} dB n/a"
                    for v in vs_pca))  # fmt: skip


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=100)
    for rows in result["aekit_per_run"].values():
        rows = sorted(rows, key=lambda r: r["bits_per_image"])
        ax.plot([r["bits_per_image"] for r in rows], [r["psnr"] for r in rows], ":", lw=1,
                color="grey", alpha=0.7)  # fmt: skip
    for key, label, style in (("aekit", "aekit (latent 32 | 256 | 256 + residual: envelope; dotted: each)", "o-"),
                              ("pca", "PCA, same quantizer + coder", "s--"),
                              ("jpeg", "JPEG (Pillow)", "^-"), ("webp", "WebP (Pillow)", "v-")):  # fmt: skip
        rows = sorted(result[key], key=lambda r: r["bits_per_image"])
        ax.plot(
            [r["bits_per_image"] for r in rows], [r["psnr"] for r in rows], style, ms=4, label=label
        )
    ax.set_xscale("log")
    ax.set_ylim(10, 40)  # PCA goes on to lossless; the comparison is in the lossy range
    ax.set_xlabel("bits per image (log)")
    ax.set_ylabel("PSNR (dB)")
    ax.set_title(
        f"Fashion-MNIST test set ({result['images']:,} images): rate vs distortion", fontsize=10
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    main()
