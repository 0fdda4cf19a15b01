"""The HTML report: written by `train` and by `aekit report`, self-contained, escaped, with the
sections that apply to the run; opened in headless Chromium where one is installed."""

import json
import os
import re
from pathlib import Path

import pytest

from aekit.cli import main
from aekit.training import History

from .chromium import check_page, find_chromium

BREASTW = Path(__file__).parents[2] / "shared/data/anomaly/4_breastw.npz"
COMMON = ["--epochs", "15", "--batch-size", "32", "--no-progress"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    """A conv VAE on digits, in a folder whose name needs escaping."""
    out = tmp_path_factory.mktemp("report") / 'vae <b>&"x'
    assert main(["train", "digits", "--model", "conv-vae", "--latent", "4", "--out", str(out),
                 *COMMON]) == 0  # fmt: skip
    return out


def _sections(page: str) -> list[str]:
    return re.findall(r'<section id="([a-z]+)">', page)


def test_train_writes_a_self_contained_report(vae_run):
    page = (vae_run / "report.html").read_text()
    assert _sections(page) == ["metrics", "reconstructions", "map", "samples", "training", "run"]
    # figures are embedded; nothing is fetched and nothing runs
    srcs = re.findall(r'src="([^"]*)"', page)
    assert len(srcs) == 6 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', page))  # in-page links
    low = page.lower()
    assert (
        "<script" not in low and "<link" not in low and "url(" not in low and "@import" not in low
    )
    # the VAE's likelihood rows and their note are there
    assert "ELBO (nats)" in page and "IW NLL (nats)" in page and "bernoulli likelihood" in page
    # the time as train prints it: a few seconds read "in 0 s" or "in 3 s" before

    seconds = json.loads((vae_run / "metrics.json").read_text())["train_seconds"]
    shown = f"{seconds:.1f}" if seconds < 10 else f"{seconds:,.0f}"  # tenths below 10 s
    assert f"trained 15 epochs in {shown} s" in page


def test_user_text_is_escaped(vae_run):
    page = (vae_run / "report.html").read_text()
    assert "vae &lt;b&gt;&amp;&quot;x" in page
    assert 'vae <b>&"x' not in page


def test_report_command_and_history(vae_run, tmp_path, capsys):
    out = tmp_path / "again.html"
    code, text, _ = run(capsys, "report", vae_run, "--out", out, "--map", "pca")
    assert code == 0 and out.is_file() and "report written" in text
    page = out.read_text()
    assert _sections(page)[:2] == ["metrics", "reconstructions"]

    def latent_map(html: str) -> str:
        return re.search(r'<section id="map">.*?src="([^"]+)"', html, flags=re.S).group(1)

    # --map pca draws another map than the t-SNE one that train wrote
    assert latent_map(page) != latent_map((vae_run / "report.html").read_text())
    h = History.from_csv(vae_run / "metrics.csv")
    assert h is not None and len(h.rows) == 15 and 0 <= h.best_epoch < 15


def test_report_command_errors(vae_run, tmp_path, capsys):
    code, _, err = run(capsys, "report", vae_run, "--out", tmp_path / "r.txt")
    assert code == 2 and err.count("\n") == 1 and ".html" in err
    code, _, err = run(capsys, "report", tmp_path / "nothing")
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(capsys, "report", vae_run, "--out", tmp_path / "no" / "r.html")
    assert code == 2 and err.count("\n") == 1 and "does not exist" in err
    assert not (tmp_path / "no").exists()


def test_no_report_flag(tmp_path):
    out = tmp_path / "r"
    assert main(["train", "digits", "--epochs", "1", "--no-progress", "--no-report",
                 "--out", str(out)]) == 0  # fmt: skip
    assert (out / "model.json").is_file() and not (out / "report.html").exists()


@pytest.mark.skipif(not BREASTW.is_file(), reason=f"{BREASTW} not present")
def test_anomaly_section_on_a_real_table(tmp_path):
    """Breast-cancer table (ODDS): malignant rows are the rare class and should reconstruct
    worse than benign ones; the report shows the histogram, ROC curve and AUC."""
    out = tmp_path / "bw"
    assert main(["train", str(BREASTW), "--latent", "3", "--out", str(out), *COMMON]) == 0
    page = (out / "report.html").read_text()
    assert "anomaly" in _sections(page) and "reconstructions" in _sections(page)
    auc = float(re.search(r"ROC-AUC <b>([0-9.]+)</b>", page).group(1))
    assert auc > 0.9, auc


needs_browser = pytest.mark.skipif(
    find_chromium() is None and not os.environ.get("AEKIT_REQUIRE_CHROMIUM"),
    reason="no Chromium here (.ci/run installs Debian's chromium package)",
)


@needs_browser
def test_report_renders_in_chromium(vae_run, tmp_path):
    page = check_page(vae_run / "report.html", height=2400)
    assert page.title.startswith("aekit report: vae <b>")  # the escaped text reads as typed
    assert len(page.images) == 6
    assert page.broken_images == []
    assert page.console_errors == []
    shot = tmp_path / "report.png"
    shot.write_bytes(page.screenshot)
    assert page.screenshot[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


@needs_browser
def test_chromium_check_sees_broken_images_and_errors(tmp_path):
    """The browser check can fail: a missing image and a console error are both reported."""
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><img src="missing.png"><script>console.error("boom")</script>'
                   "</body></html>")  # fmt: skip
    page = check_page(bad)
    assert len(page.broken_images) == 1
    assert any("boom" in e for e in page.console_errors)


def test_files_get_ordinary_permissions(vae_run):
    umask = os.umask(0)
    os.umask(umask)
    for name in ("report.html", "model.json", "model.safetensors"):
        assert (vae_run / name).stat().st_mode & 0o777 == 0o666 & ~umask, name
