"""Peak memory of `aekit train` on text: TF-IDF rows kept sparse in the Dataset, against dense.

Side by side, each in a fresh process (peak memory is per process): train_run (what
`aekit train` runs: load, train, evaluate; no report) on a text file, as it is now (the
Dataset holds each split's TF-IDF rows as a float32 CSR matrix; training and encoding make
one batch dense at a time) and as it was before: the same rows made dense when the data set
is built (TextFeatures.transform_sparse patched to return its dense array). Documents: the
7,600 AG News texts (title and description) repeated --copies times, in a CSV written to a
temporary folder; the vocabulary has 10,000 words. Model: the README's AG News recipe (tied
linear, 64-d code, multinomial loss, masking 0.5) for --epochs epochs. Each way runs
--repeats times, alternating; reports the median peak resident memory of the whole process
and checks that both ways train the same weights and score the same test MSE.

Usage: .venv/bin/python bench/text_dataset_memory.py [--copies 5 --epochs 2 --repeats 3]
Writes bench/results/text_dataset_memory.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    SHARED,
    command,
    fresh_process_runs,
    machine,
    median_row,
    write_result,
)

DATA = SHARED / "text/ag_news_test/test.csv"
WAYS = ("sparse", "dense")


def measure(way: str, corpus: Path, epochs: int) -> dict:
    """One `aekit train` in this process: seconds, peak RSS, a digest of the weights."""
    import torch

    from aekit.data import text
    from aekit.runs import train_run
    from aekit.training import TrainConfig

    torch.set_num_threads(1)
    if way == "dense":  # as before: the Dataset's rows made dense when it is built
        sparse = text.TextFeatures.transform_sparse
        text.TextFeatures.transform_sparse = lambda self, t: sparse(self, t).toarray()  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        m = train_run(corpus, "stacked", Path(tmp) / "run",
                      model_config={"hidden": [], "latent": 64, "recon_loss": "multinomial",
                                    "noise": "mask:0.5"},
                      train_config=TrainConfig(epochs=epochs, seed=0, progress=False),
                      data_options={"text_column": "1,2", "label_column": "0", "seed": 0},
                      report=False)  # fmt: skip
        seconds = time.perf_counter() - t0
        weights = (Path(tmp) / "run" / "model.safetensors").read_bytes()
    return {"way": way, "seconds": seconds,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "test_mse": m["test_mse"], "test_probe_accuracy": m.get("test_probe_accuracy"),
            "weights_sha256": hashlib.sha256(weights).hexdigest()}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=5, help="repeat the 7,600 documents this often")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3, help="fresh-process runs of each way")
    p.add_argument("--one", choices=WAYS, help=argparse.SUPPRESS)  # the child process
    p.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one:
        print(json.dumps(measure(a.one, a.corpus, a.epochs)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        lines = DATA.read_text(encoding="utf-8").splitlines(keepends=True)
        corpus = Path(tmp) / "news.csv"
        corpus.write_text("".join(lines * a.copies), encoding="utf-8")
        n_docs = len(lines) * a.copies
        runs = fresh_process_runs(__file__, WAYS, a.repeats, "--corpus", str(corpus),
                                  "--epochs", str(a.epochs))  # fmt: skip
    rows = []
    for way in WAYS:
        r = median_row(runs[way], ("seconds", "peak_rss_bytes"))
        r["peak_rss_each"] = [m["peak_rss_bytes"] for m in runs[way]]
        r["seconds_each"] = [m["seconds"] for m in runs[way]]
        rows.append(r)
        print(f"{way:<7} peak memory {r['peak_rss_bytes'] / 2**30:.2f} GiB, {r['seconds']:.1f} s "
              f"(medians of {a.repeats}), test MSE {r['test_mse']:.6g}")  # fmt: skip
    new, old = rows
    same = all(m["weights_sha256"] == new["weights_sha256"] and m["test_mse"] == new["test_mse"]
               for way in WAYS for m in runs[way])  # fmt: skip
    print(f"same weights and test MSE: {same}; peak memory "
          f"{new['peak_rss_bytes'] / old['peak_rss_bytes']:.2f}x, time "
          f"{new['seconds'] / old['seconds']:.2f}x")  # fmt: skip
    out = {"benchmark": "peak memory of aekit train on text: sparse TF-IDF rows vs dense",
           "command": command(), **machine(1), "documents": n_docs, "copies": a.copies,
           "epochs": a.epochs, "repeats": a.repeats, "rows": rows, "identical": same,
           "memory_ratio": new["peak_rss_bytes"] / old["peak_rss_bytes"],
           "time_ratio": new["seconds"] / old["seconds"]}  # fmt: skip
    print(write_result("text_dataset_memory", out))


if __name__ == "__main__":
    main()
