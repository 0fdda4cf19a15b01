"""Memory and time of turning documents into TF-IDF rows (aekit.data.text.TextFeatures).

Side by side, each in a fresh process (peak memory is per process): `transform` as it is
(the sparse TF-IDF matrix cast to float32, then made dense) and as it was before: the same
float64 sparse matrix made dense as it was (`np.asarray(x.todense(), dtype=np.float32)`: a
float64 dense copy first). Documents: the
7,600 AG News texts (title and description), repeated --copies times; the vocabulary (10,000
words) is fitted on the first 7,600. Each way runs --repeats times, alternating, each time in
a fresh process; reports the median seconds and rise in peak resident memory, and checks
that every run gives the same array bit for bit.

Usage: .venv/bin/python bench/text_features.py [--copies 5 --repeats 5]
Writes bench/results/text_features.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

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
WAYS = ("current", "float64_dense")


def _before(feats, texts: np.ndarray) -> np.ndarray:
    """TextFeatures.transform as it was before 2026-11-25: the same float64 TF-IDF matrix
    (`_weights`), made dense in float64, then cast."""
    return np.asarray(feats._weights(texts).todense(), dtype=np.float32)


def measure(way: str, copies: int) -> dict:
    """One transform in this process: seconds, peak RSS rise (bytes) and a digest."""
    from aekit.data.text import TextFeatures, read_text

    docs, _, _ = read_text(DATA, "1,2", "0")
    feats = TextFeatures.fit(docs)
    docs = np.concatenate([docs] * copies)
    transform = (lambda t: _before(feats, t)) if way == "float64_dense" else feats.transform
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    x = transform(docs)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    return {"way": way, "rows": int(x.shape[0]), "columns": int(x.shape[1]),
            "array_bytes": int(x.nbytes), "seconds": seconds, "peak_rss_rise_bytes": int(peak),
            "sha256": hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()}  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=5, help="repeat the 7,600 documents this often")
    p.add_argument("--repeats", type=int, default=5, help="fresh-process runs of each way")
    p.add_argument("--one", choices=WAYS, help=argparse.SUPPRESS)  # the child process
    a = p.parse_args()
    if a.one:
        print(json.dumps(measure(a.one, a.copies)))
        return
    runs = fresh_process_runs(__file__, WAYS, a.repeats, "--copies", str(a.copies))
    rows = []
    for way in WAYS:
        r = median_row(runs[way], ("seconds", "peak_rss_rise_bytes"))
        r["seconds_each"] = [m["seconds"] for m in runs[way]]
        rows.append(r)
        print(f"{way:<14} {r['rows']:,} x {r['columns']:,}: {r['seconds']:.1f} s (median of "
              f"{a.repeats}), peak memory +{r['peak_rss_rise_bytes'] / 2**30:.2f} GiB "
              f"(array {r['array_bytes'] / 2**30:.2f} GiB)")  # fmt: skip
    cur, old = rows
    same = all(m["sha256"] == cur["sha256"] for way in WAYS for m in runs[way])
    print(f"identical arrays: {same}; time {cur['seconds'] / old['seconds']:.2f}x, peak memory "
          f"{cur['peak_rss_rise_bytes'] / old['peak_rss_rise_bytes']:.2f}x")  # fmt: skip
    out = {"benchmark": "TF-IDF rows from documents: float32 sparse then dense, against float64 dense",
           "command": command(), **machine(1), "copies": a.copies, "repeats": a.repeats,
           "rows": rows, "identical": same, "time_ratio": cur["seconds"] / old["seconds"],
           "memory_ratio": cur["peak_rss_rise_bytes"] / old["peak_rss_rise_bytes"]}  # fmt: skip
    print(write_result("text_features", out))


if __name__ == "__main__":
    main()
