"""Scoring big files in bounded memory (issue 5): peak resident memory of `aekit detect score`
as the file grows, CSV and Parquet side by side, in one run.

The detector is `aekit detect fit` on the credit-card sample (30 features; README's worked
example). The files to score are its rows drawn with replacement (seeded) to 20,000, 200,000 and
2,000,000 rows, with every column, as CSV and as Parquet. Each `aekit detect score` runs in its
own process under GNU time, which reports the process's peak resident set size (max RSS), with
--chunk-rows 100,000 (the default until this bench) and 20,000 (the default since). If memory
is bounded, the peak stays flat once the file holds a few chunks, while the file grows 10x
from 200,000 to 2,000,000 rows; reading the whole file would add its in-memory size
(2,000,000 x 31 float64 columns is about 500 MB) to the peak.
Usage: .venv/bin/python bench/score_memory.py --threads 1 [--workdir DIR]
Writes bench/results/score_memory.json. The files (about 1.4 GB in all) go to a temporary
folder that is deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import SHARED, command, machine, parse_args, write_result  # noqa: E402

CREDITCARD = SHARED / "anomaly/creditcard_fraud_sample_1722.csv"
ROWS = (20_000, 200_000, 2_000_000)
CHUNKS = (100_000, 20_000)
AEKIT = Path(sys.executable).with_name("aekit")


def timed(cmd: list[str], threads: int) -> dict:
    """Run cmd under GNU time: wall seconds and peak RSS (MB)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "AEKIT_NUM_THREADS": str(threads)}
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB %M", *cmd], env=env,
                       capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    kb = int(r.stderr.strip().splitlines()[-1].split()[-1])
    return {"seconds": seconds, "peak_rss_mb": kb / 1024, "stdout": r.stdout.strip()}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--workdir", help="where the big files go (default: a temporary folder)")
    a = parse_args(p, threads=1)
    import pandas as pd

    if not Path("/usr/bin/time").is_file():
        raise SystemExit("needs GNU time (/usr/bin/time; Debian: apt-get install time)")
    src = pd.read_csv(CREDITCARD)
    rows = []
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        work = Path(tmp)
        run = work / "detector"
        fit = timed([str(AEKIT), "detect", "fit", str(CREDITCARD), "--label-column", "Class",
                     "--out", str(run), "--no-progress"], a.threads)  # fmt: skip
        print(f"fitted in {fit['seconds']:.1f} s", flush=True)
        rng = np.random.default_rng(0)
        for n in ROWS:
            df = src.iloc[rng.integers(0, len(src), n)].reset_index(drop=True)
            files = {"csv": work / f"rows{n}.csv", "parquet": work / f"rows{n}.parquet"}
            df.to_csv(files["csv"], index=False)
            df.to_parquet(files["parquet"], index=False)
            in_memory_mb = df.memory_usage(deep=True).sum() / 2**20
            del df
            for fmt, path in files.items():
                for chunk in CHUNKS:
                    out = work / f"scored.{fmt}"
                    r = timed([str(AEKIT), "detect", "score", str(run), str(path), "--out",
                               str(out), "--chunk-rows", str(chunk), "--no-progress"],
                              a.threads)  # fmt: skip
                    row = {"rows": n, "format": fmt, "chunk_rows": chunk,
                           "file_mb": path.stat().st_size / 2**20,
                           "table_in_memory_mb": in_memory_mb,
                           "peak_rss_mb": r["peak_rss_mb"], "seconds": r["seconds"],
                           "output": r["stdout"]}  # fmt: skip
                    rows.append(row)
                    out.unlink()
                    print(f"{n:>9,} rows {fmt:<7} chunks of {chunk:>7,}: file {row['file_mb']:7.1f} "
                          f"MB, peak RSS {row['peak_rss_mb']:6.1f} MB, {r['seconds']:5.1f} s",
                          flush=True)  # fmt: skip
            for path in files.values():
                path.unlink()
    summary = {}
    for fmt in ("csv", "parquet"):
        for chunk in CHUNKS:
            peaks = {r["rows"]: r["peak_rss_mb"] for r in rows
                     if r["format"] == fmt and r["chunk_rows"] == chunk}  # fmt: skip
            summary[f"{fmt}_chunks{chunk}"] = {
                "peak_rss_mb_by_rows": peaks,
                "largest_over_middle": peaks[ROWS[-1]] / peaks[ROWS[1]],
            }
    for k, v in summary.items():
        print(f"{k}: peak RSS at {ROWS[-1]:,} rows / at {ROWS[1]:,} rows = "
              f"{v['largest_over_middle']:.2f}x")  # fmt: skip
    write_result("score_memory", {**machine(a.threads), "command": command(),
                                  "detector": "aekit detect fit creditcard_fraud_sample_1722.csv "
                                              "--label-column Class (defaults)",
                                  "rows": rows, "summary": summary})  # fmt: skip


if __name__ == "__main__":
    main()
