"""What `aekit evaluate`'s importance-weighted NLL costs, and how it tightens with k.

For the two VAEs of bench/compare.py (MLP latent 32, conv latent 16; trained there), estimates
ELBO and iw_nll on the same 200 seeded test rows with k = 1, 10, 100, 1000 importance samples,
timing each. Decodes per second = rows x k / seconds.
Usage: .venv/bin/python bench/compare.py first, then
       .venv/bin/python bench/vae_likelihood.py --threads 1
Writes bench/results/vae_likelihood.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import RUNS, machine, parse_args, write_result  # noqa: E402
from aekit import load  # noqa: E402
from aekit.metrics import subsample, vae_likelihood  # noqa: E402
from aekit.tasks import evaluation_data  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=200)
    a = parse_args(p, threads=1)
    out = {}
    for name in ("compare-vae-32", "compare-conv-vae-16"):
        ck = load(RUNS / name)
        ds = evaluation_data(ck)
        x = ds.x_test[subsample(len(ds.x_test), a.rows)]
        rows = []
        for k in (1, 10, 100, 1000):
            t0 = time.perf_counter()
            r = vae_likelihood(ck.model, x, k=k)
            secs = time.perf_counter() - t0
            rows.append({**r, "k": k, "seconds": secs, "decodes_per_second": len(x) * k / secs})
            print(f"{name} k={k:>4}: elbo {r['elbo']:.2f}  iw_nll {r['iw_nll']:.2f}  "
                  f"{secs:.1f} s ({len(x) * k / secs:,.0f} decodes/s)", flush=True)  # fmt: skip
        out[name] = rows
    write_result("vae_likelihood", {**machine(a.threads), "rows": a.rows, "runs": out})


if __name__ == "__main__":
    main()
