"""t-SNE on autoencoder codes vs t-SNE on raw pixels, Fashion-MNIST test set (10,000 images).

Same t-SNE (openTSNE, FFT, one thread, seed 0) on (a) the 32-d codes of a conv autoencoder --
the `make demo` recipe -- and (b) the raw 784-d pixels. Timed: encoding + t-SNE for (a), t-SNE
for (b). Quality: 5-NN accuracy of the labels on each 2-D map (5-fold) and trustworthiness
(w.r.t. the pixels, on 2,000 seeded points). The same comparison is repeated with UMAP and with
scikit-learn's Barnes-Hut t-SNE. Run on an idle machine: the timing is the claim.
Usage: .venv/bin/python bench/embed.py --threads 1
Writes bench/results/embed.json and docs/embed_codes_vs_pixels.png.

--breakdown instead splits openTSNE's time, codes and pixels side by side: its preparation
(nearest neighbours, affinities, PCA initialisation: `TSNE.prepare_initial`, the first step of
`TSNE.fit`) and the rest (the gradient descent), each timed on its own, then the whole `fit`.
Only the preparation depends on the input's dimension, so the rest bounds how much faster any
lower-dimensional input can make the map. Writes bench/results/embed_tsne_breakdown.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import DOCS, machine, parse_args, trained_run, write_result  # noqa: E402
from aekit import load  # noqa: E402
from aekit.metrics import encode, knn_accuracy, trustworthiness  # noqa: E402
from aekit.tasks import evaluation_data  # noqa: E402
from aekit.tasks.embed import embed, map_2d, tsne  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--breakdown", action="store_true", help="split openTSNE's time (see above)")
    a = parse_args(p, threads=1)
    run = trained_run("embed-conv32", "conv", {"latent": 32}, epochs=8, batch_size=32)
    ck = load(run)
    ds = evaluation_data(ck, None)
    x, y = ds.x_test[: a.n], ds.y_test[: a.n]
    pixels = x.reshape(len(x), -1)
    if a.breakdown:
        return tsne_breakdown(a, run, encode(ck.model, x), pixels)

    codes, map_codes, t_codes = embed(ck.model, x, "tsne", seed=0)
    t0 = time.perf_counter()
    map_pixels = map_2d(pixels, "tsne", seed=0)
    t_pixels = time.perf_counter() - t0
    rows = {}
    for name, m, secs, feats in (
        ("codes", map_codes, t_codes, codes),
        ("pixels", map_pixels, t_pixels, pixels),
    ):
        rows[name] = {
            "seconds": secs,
            "knn_accuracy": knn_accuracy(m, y),
            "trustworthiness_pixels": trustworthiness(pixels, m),
            "trustworthiness_own_input": trustworthiness(feats, m),
            "input_dim": int(feats.shape[1]),
        }
    # the same comparison with two other maps (extra rows; the target is about t-SNE above)
    others = {}
    # numba compiles UMAP's code paths on first use (nearest-neighbour descent only above 4,096
    # points): warm both inputs up on 5,000 points first so that compiling is not timed
    codes_all = encode(ck.model, x)
    map_2d(codes_all[:5000], "umap", seed=0)
    map_2d(pixels[:5000], "umap", seed=0)
    for method, fn in (
        ("umap", lambda f: map_2d(f, "umap", seed=0)),
        ("sklearn-tsne", sklearn_tsne),
    ):
        t0 = time.perf_counter()
        mc = fn(encode(ck.model, x))
        tc = time.perf_counter() - t0
        t0 = time.perf_counter()
        mp = fn(pixels)
        tp = time.perf_counter() - t0
        others[method] = {
            "codes": {"seconds": tc, "knn_accuracy": knn_accuracy(mc, y)},
            "pixels": {"seconds": tp, "knn_accuracy": knn_accuracy(mp, y)},
            "time_ratio_codes_to_pixels": tc / tp,
        }
        print(f"{method}: codes {tc:.1f} s (5-NN {others[method]['codes']['knn_accuracy']:.4f}), "
              f"pixels {tp:.1f} s (5-NN {others[method]['pixels']['knn_accuracy']:.4f}), "
              f"ratio {tc / tp:.3f}", flush=True)  # fmt: skip
    result = {
        **machine(a.threads),
        "samples": int(len(x)),
        "run": str(run),
        "tsne": "openTSNE, perplexity 30, n_jobs=1, seed 0",
        "codes": rows["codes"],
        "pixels": rows["pixels"],
        "time_ratio_codes_to_pixels": rows["codes"]["seconds"] / rows["pixels"]["seconds"],
        "knn_gain_codes_minus_pixels": rows["codes"]["knn_accuracy"]
        - rows["pixels"]["knn_accuracy"],
        "other_maps": others,
    }
    write_result("embed", result)
    plot(map_codes, map_pixels, y, ds.class_names, rows, DOCS / "embed_codes_vs_pixels.png")
    for k in ("codes", "pixels"):
        r = rows[k]
        print(f"t-SNE on {k} ({r['input_dim']}-d): {r['seconds']:.1f} s, 5-NN accuracy "
              f"{r['knn_accuracy']:.4f}, trustworthiness (pixels) {r['trustworthiness_pixels']:.4f}")  # fmt: skip
    print(f"time ratio codes/pixels: {result['time_ratio_codes_to_pixels']:.3f}")


def tsne_breakdown(a: argparse.Namespace, run: Path, codes: np.ndarray, pixels: np.ndarray) -> None:
    """openTSNE's preparation (affinities + initialisation) and gradient descent, timed apart,
    and map_2d's whole t-SNE, on the codes and on the pixels."""
    rows = {}
    for f in (codes, pixels):  # warm-up: first calls pay for imports and compiled code paths
        map_2d(f[:1000], "tsne", seed=0)
    for name, f in (("codes", codes), ("pixels", pixels)):
        f = np.ascontiguousarray(f.reshape(len(f), -1), dtype=np.float32)
        est = tsne(len(f), seed=0)
        t0 = time.perf_counter()
        emb = est.prepare_initial(f)
        prepare = time.perf_counter() - t0
        t0 = time.perf_counter()  # the two phases of TSNE.fit after prepare_initial
        emb = emb.optimize(est.early_exaggeration_iter, exaggeration=est.early_exaggeration,
                           momentum=est.initial_momentum, inplace=True)  # fmt: skip
        emb.optimize(est.n_iter, exaggeration=est.exaggeration, momentum=est.final_momentum,
                     inplace=True)  # fmt: skip
        descent = time.perf_counter() - t0
        t0 = time.perf_counter()
        map_2d(f, "tsne", seed=0)
        whole = time.perf_counter() - t0
        rows[name] = {"input_dim": int(f.shape[1]), "prepare_seconds": prepare,
                      "descent_seconds": descent, "fit_seconds": whole}  # fmt: skip
        print(f"{name} ({f.shape[1]}-d): preparation {prepare:.1f} s, gradient descent "
              f"{descent:.1f} s; whole fit {whole:.1f} s", flush=True)  # fmt: skip
    floor = rows["codes"]["descent_seconds"] / rows["pixels"]["fit_seconds"]
    result = {
        **machine(a.threads), "samples": int(len(codes)), "run": str(run),
        "tsne": "openTSNE, perplexity 30, n_jobs=1, seed 0", **rows,
        "fit_ratio_codes_to_pixels": rows["codes"]["fit_seconds"] / rows["pixels"]["fit_seconds"],
        "descent_share_of_pixel_fit": rows["pixels"]["descent_seconds"]
        / rows["pixels"]["fit_seconds"],
        "ratio_floor_free_preparation": floor,
    }  # fmt: skip
    print(f"codes' gradient descent alone / pixels' whole fit: {floor:.3f} (target <= 0.5)")
    write_result("embed_tsne_breakdown", result)


def sklearn_tsne(f: np.ndarray) -> np.ndarray:
    """scikit-learn's Barnes-Hut t-SNE (one job), perplexity 30, seed 0."""
    from sklearn.manifold import TSNE

    return TSNE(2, perplexity=30.0, random_state=0, n_jobs=1).fit_transform(f)


def plot(mc, mp, y, names, rows, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 6), dpi=90)
    cmap = plt.get_cmap("tab10")
    for ax, m, key in ((axes[0], mc, "codes"), (axes[1], mp, "pixels")):
        for c in np.unique(y):
            s = y == c
            ax.scatter(
                m[s, 0], m[s, 1], s=2, color=cmap(int(c)), label=names[int(c)] if names else c
            )
        r = rows[key]
        ax.set_title(f"t-SNE of {r['input_dim']}-d {key}: {r['seconds']:.0f} s, "
                     f"5-NN accuracy {r['knn_accuracy']:.3f}", fontsize=10)  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1].legend(markerscale=5, fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    main()
