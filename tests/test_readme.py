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
    out = capsys.readouterr().out
    assert "best epoch" in out and "359 codes of 24 values" in out and "calls are less" in out
    assert (tmp_path / "runs/readme-example/model.safetensors").is_file()
    assert (tmp_path / "runs/readme-dae/codes.csv").is_file()


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


def test_readme_commands_parse():
    """Every `aekit ...` command the README shows names a real command and real options: the
    full examples (bash and console blocks) parse as given, and the commands quoted in the text
    use only options their command has."""
    import argparse
    import shlex

    from aekit.cli import build_parser

    text = README.read_text()
    full = []
    for block in re.findall(r"```(?:bash|console)\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.removeprefix("$ ").split("  #")[0].strip()
            if line.startswith("aekit "):
                full.append(line)
    quoted = [" ".join(c.split()) for c in re.findall(r"`(aekit [^`]+)`", text)]
    assert len(full) > 30 and len(quoted) > 20
    parser = build_parser()

    def subparser(p: argparse.ArgumentParser, words: list[str]) -> argparse.ArgumentParser:
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction) and words and words[0] in a.choices:
                return subparser(a.choices[words[0]], words[1:])
        return p

    for line in full + quoted:
        words = shlex.split(line)[1:]
        sub = subparser(parser, words)
        assert sub is not parser, f"the README shows an unknown command: {line}"
        for w in words:
            if w.startswith("--"):
                option = w.strip("[]").split("=")[0]
                assert option in sub._option_string_actions, f"{option} in the README's {line}"
    for line in full:
        try:
            _, extra = parser.parse_known_args(shlex.split(line)[1:])
        except Exception as e:  # the CLI's parser raises AekitError instead of exiting
            raise AssertionError(f"the README's {line}: {e}") from None
        assert not extra, f"unknown {extra} in the README's {line}"
