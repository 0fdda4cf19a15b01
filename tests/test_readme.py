"""The README's Python examples run as written."""

import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})
    assert "best epoch" in capsys.readouterr().out
    assert (tmp_path / "runs/readme-example/model.safetensors").is_file()


def test_readme_error_example_is_what_the_cli_prints(tmp_path, capsys):
    import numpy as np
    import pandas as pd

    from aekit.cli import main

    m = re.search(r"\$ aekit train transactions.csv (.*)\n(aekit: error: .*)\n", README.read_text())
    assert m
    pd.DataFrame(np.random.default_rng(0).normal(size=(50, 30))).to_csv(
        tmp_path / "transactions.csv", index=False
    )
    args = m.group(1).split()
    args[args.index("--out") + 1] = str(tmp_path / "x")
    assert main(["train", str(tmp_path / "transactions.csv"), *args]) == 2
    assert capsys.readouterr().err.strip() == m.group(2)
