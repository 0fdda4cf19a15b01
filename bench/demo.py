"""Time `make demo` end to end (install already done) and read its test MSE.

Usage on an idle machine:  .venv/bin/python bench/demo.py
Writes bench/results/demo.json.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]


def main() -> None:
    subprocess.run(["make", "install"], cwd=ROOT, check=True)
    t = time.perf_counter()
    subprocess.run(["make", "demo"], cwd=ROOT, check=True)
    wall = time.perf_counter() - t
    m = json.loads((ROOT / "runs/demo/metrics.json").read_text())
    result = {
        "command": "python bench/demo.py  (times `make demo`)",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, torch default threads",
        "wall_seconds": wall,
        "train_seconds": m["train_seconds"],
        "test_mse": m["test_mse"],
        "test_psnr": m["test_psnr"],
        "test_ssim": m["test_ssim"],
        "targets": {"wall_seconds": 300, "test_mse": 0.010},
    }
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/demo.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
