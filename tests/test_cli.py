"""The CLI in-process: the happy path on digits, and one clear line + exit 2 for bad input."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from aekit.cli import main
from aekit.errors import AekitError


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "conv"
    assert main(["train", "digits", "--model", "conv", "--latent", "8", "--epochs", "3",
                 "--out", str(out), "--no-progress"]) == 0  # fmt: skip
    return out


def test_models_lists_families(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0
    for name in ("mlp", "conv", "vae", "conv-vae", "stacked"):
        assert f"\n{name} " in "\n" + out


def test_train_writes_the_run_folder(trained):
    names = {p.name for p in trained.iterdir()}
    assert {"model.json", "model.safetensors", "metrics.json", "metrics.csv", "loss.png",
            "reconstructions.png"} <= names  # fmt: skip
    m = json.loads((trained / "metrics.json").read_text())
    assert 0 < m["test_mse"] < 0.2 and m["test_psnr"] > 5 and m["num_parameters"] > 0
    # the timings say what they were taken on (this process: CPU, its torch thread count)
    assert m["train_device"] == "cpu" and m["torch_threads"] == torch.get_num_threads()
    page = (trained / "report.html").read_text()
    assert "<th>train device</th><td>cpu</td>" in page


def test_evaluate_json_and_info(trained, capsys):
    code, out, _ = run(capsys, "evaluate", str(trained), "--json")
    assert code == 0
    res = json.loads(out)
    assert {"mse", "psnr", "ssim"} <= set(res)
    saved = json.loads((trained / "metrics.json").read_text())
    assert res["mse"] == pytest.approx(saved["test_mse"], rel=1e-5)
    code, out, _ = run(capsys, "info", str(trained))
    assert code == 0 and "conv" in out and "parameters" in out


def test_info_on_estimator_and_bare_array_checkpoints(tmp_path, capsys):
    """Folders saved by an estimator or by fit() on an array record no data name or splits,
    and an estimator no epochs: info says what was recorded instead of printing None."""
    from aekit import AnomalyDetector, TrainConfig, build_model, fit

    x = np.random.default_rng(0).normal(size=(200, 6))
    AnomalyDetector(epochs=1, latent=2).fit(x).save(tmp_path / "det")
    code, out, _ = run(capsys, "info", str(tmp_path / "det"))
    assert code == 0 and "None" not in out, out
    assert "not recorded (table, samples of shape (6,); rows of 6 features)" in out
    assert 'AnomalyDetector, {"batch_size": 64' in out and "metrics        none recorded" in out
    fit(build_model("mlp", input_shape=(6,), latent=2), x.astype(np.float32),
        TrainConfig(epochs=1, progress=False), out_dir=tmp_path / "bare")  # fmt: skip
    code, out, _ = run(capsys, "info", str(tmp_path / "bare"))
    assert code == 0 and "None" not in out, out
    assert "data           not recorded (samples of shape (6,))" in out
    assert "training       1 epoch, batch 64, adam lr 0.002 (cosine), seed 0" in out


def test_an_interrupted_train_says_how_far_it_got_and_how_to_go_on(tmp_path, capsys,
                                                                   monkeypatch):  # fmt: skip
    """Ctrl-C after the second epoch's state is saved: exit code 130 and one line naming the
    epoch the folder holds; --resume then finishes the run."""
    from aekit import checkpoint

    saved = checkpoint.save_state

    def save_then_interrupt(*args, **kwargs):
        saved(*args, **kwargs)
        if json.loads((tmp_path / "r" / "state.json").read_text())["epoch"] == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint, "save_state", save_then_interrupt)
    cmd = ["train", "digits", "--model", "mlp", "--latent", "4", "--epochs", "4", "--out",
           str(tmp_path / "r"), "--no-progress", "--no-report"]  # fmt: skip
    code, _, err = run(capsys, *cmd)
    assert code == 130 and err.strip().splitlines()[-1] == (
        f"aekit: interrupted; {tmp_path / 'r'} holds epoch 2 of 4: the same command with "
        "--resume continues from there"
    )
    monkeypatch.setattr(checkpoint, "save_state", saved)
    assert run(capsys, *cmd, "--resume")[0] == 0
    assert len(json.loads((tmp_path / "r" / "state.json").read_text())["history"]) == 4

    def interrupt_first(*args, **kwargs):  # before any epoch is saved: nothing to resume
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint, "save_state", interrupt_first)
    code, _, err = run(capsys, *cmd[:-3], str(tmp_path / "r2"), "--no-progress", "--no-report")
    assert code == 130 and err.strip().splitlines()[-1] == "aekit: interrupted"


def test_resume_extends_a_run(tmp_path, capsys):
    out = tmp_path / "r"
    base = [
        "train",
        "digits",
        "--model",
        "mlp",
        "--latent",
        "4",
        "--out",
        str(out),
        "--no-progress",
    ]
    assert run(capsys, *base, "--epochs", "2")[0] == 0
    # the saved model config is reused: --latent need not be repeated
    resume = ["train", "digits", "--model", "mlp", "--out", str(out), "--no-progress"]
    assert run(capsys, *resume, "--epochs", "3", "--resume")[0] == 0
    assert json.loads((out / "model.json").read_text())["config"]["latent"] == 4
    assert len(json.loads((out / "state.json").read_text())["history"]) == 3
    # the same options may be repeated; another value is refused before anything is written
    assert (
        run(capsys, *resume, "--epochs", "4", "--latent", "4", "--hidden", "512,256", "--resume")[0]
        == 0
    )
    saved = (out / "state.json").read_text()
    code, _, err = run(capsys, *resume, "--epochs", "5", "--latent", "8", "--noise", "mask:0.2",
                       "--resume")  # fmt: skip
    assert code == 2 and err.count("\n") == 1, err
    assert "these differ: latent 4 -> 8; noise None -> mask:0.2 (leave them out" in err
    assert (out / "state.json").read_text() == saved


@pytest.mark.parametrize("flags", [["--noise", "gaussian:0.2"], ["--sparsity", "l1:1e-3"],
                                   ["--tied"], ["--model", "vae", "--beta", "0.5"],
                                   ["--model", "conv", "--batch-norm"],
                                   ["--model", "conv", "--depth", "2"], ["--trim", "3"]])  # fmt: skip
def test_train_variants(tmp_path, capsys, flags):
    argv = ["train", "digits", "--latent", "6", "--epochs", "1", "--out", str(tmp_path / "v"),
            "--no-progress", *flags]  # fmt: skip
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    if "--sparsity" in flags:
        assert "active code units" in out
    config = json.loads((tmp_path / "v" / "model.json").read_text())["config"]
    # the model flags reach the saved config
    assert config.get("batch_norm", False) is ("--batch-norm" in flags)
    if "--depth" in flags:
        assert config["depth"] == 2
    assert config["trim"] == (3.0 if "--trim" in flags else None)


def test_hidden_none_gives_a_linear_mlp(tmp_path, capsys):
    out = tmp_path / "lin"
    code, _, err = run(capsys, "train", "digits", "--hidden", "none", "--latent", "6",
                       "--epochs", "1", "--out", str(out), "--no-progress")  # fmt: skip
    assert code == 0, err
    info = json.loads((out / "model.json").read_text())
    assert info["config"]["hidden"] == [] and info["num_parameters"] == 64 * 6 + 6 + 6 * 64 + 64


def _csv(tmp_path, **extra):
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 4)), columns=list("abcd"))
    df = df.assign(**extra)
    p = tmp_path / "t.csv"
    df.to_csv(p, index=False)
    return p


BAD = {
    "unknown model": (
        ["train", "digits", "--model", "nope", "--epochs", "1"],
        "unknown model 'nope'",
    ),
    "missing data": (["train", "nowhere.csv", "--epochs", "1"], "not found"),
    "a classifier": (["train", "digits", "--model", "classifier"], "not an autoencoder"),
    "bad noise": (["train", "digits", "--noise", "blur:2", "--epochs", "1"], "noise 'blur:2'"),
    "kl weight": (["train", "digits", "--sparsity", "kl:0.05:-1"], "and WEIGHT >= 0"),
    "zero units": (["train", "digits", "--hidden", "64,0"], "hidden sizes must be positive"),
    "zero channels": (["train", "digits", "--model", "conv", "--channels", "0"], "conv channels"),
    "activation": (["train", "digits", "--activation", "foo"], "unknown activation 'foo'"),
    "conv on a table": (["train", "TABLE", "--model", "conv", "--epochs", "1"], "needs images"),
    "tied conv": (["train", "digits", "--model", "conv", "--tied", "--epochs", "1"], "tied"),
    "batch-norm mlp": (["train", "digits", "--batch-norm", "--epochs", "1"], "batch_norm"),
    "depth mlp": (["train", "digits", "--depth", "2", "--epochs", "1"], "depth"),
    "depth 0": (
        ["train", "digits", "--model", "conv", "--depth", "0", "--epochs", "1"],
        "depth >= 1",
    ),
    "bad epochs": (["train", "digits", "--epochs", "0"], "epochs"),
    "weight decay": (["train", "digits", "--weight-decay", "-1"], "weight_decay must be >= 0"),
    "patience 0": (["train", "digits", "--patience", "0"], "patience must be >= 1 epoch"),
    "trim 0": (["train", "digits", "--trim", "0", "--epochs", "1"], "trim must be > 0"),
    "trim on a gan": (
        ["train", "digits", "--model", "gan", "--trim", "3", "--epochs", "1"],
        "does not take option(s) trim",
    ),
    "not a number": (["train", "digits", "--latent", "abc"], "invalid int value"),
    "a list item": (["sweep", "digits", "--latents", "2,x"], "comma-separated integers, got '2,x'"),
    "an empty item": (["train", "digits", "--hidden", "64,,32"], "got '64,,32'"),
    "half a size": (["train", "digits", "--image-size", "12x"], "expected HxW, got '12x'"),
    "unknown device": (["train", "digits", "--device", "tpu"], "unknown device 'tpu'"),
    "limit 0": (["train", "digits", "--limit", "0"], "--limit must be a positive number"),
    "negative seed": (["train", "digits", "--seed", "-1"], "expected a seed >= 0, got '-1'"),
    "negative seeds": (["finetune", "RUN", "--seeds", "0,-1"], "expected a seed >= 0, got '-1'"),
    "limit -5": (["train", "digits", "--limit", "-5"], "--limit must be a positive number"),
    "negative count": (["embed", "RUN", "digits", "--n", "-5"], "samples >= 0 (0: all), got '-5'"),
    "inf in a table": (["train", "INF", "--epochs", "1"], "infinite values in column(s) a"),
    "numbers and text": (
        ["train", "TEXT", "--epochs", "1"],
        "column 'a' holds numbers and text ('n.a.' at data row 3); make it all numbers, or all",
    ),
    "unknown option": (
        ["train", "digits", "--epochz", "1"],
        "aekit train: unrecognized arguments: --epochz 1 (see aekit train --help)",
    ),
    "unknown detect option": (
        ["detect", "fit", "digits", "--bogus"],
        "error: aekit detect fit: unrecognized arguments: --bogus",
    ),
    "unknown command": (["frob"], "error: argument command: invalid choice: 'frob'"),
    "missing label col": (
        ["train", "TABLE", "--label-column", "y", "--epochs", "1"],
        "no label column 'y'",
    ),
    # found only after training before: a half-written run folder was left behind
    "no test split": (
        ["train", "TABLE", "--test-fraction", "0", "--epochs", "1"],
        "t.csv: no test samples (54 for training, 6 for validation): the model is measured",
    ),
    "one row": (["train", "ONE", "--epochs", "1"], "one.csv: no test samples (1 for training"),
    "sweep without test": (
        ["sweep", "digits", "--test-fraction", "0", "--latents", "2", "--epochs", "1"],
        "digits: no test samples (1617 for training, 180 for validation)",
    ),
    "all held out": (  # scaling an empty training split warned before the error
        ["train", "TABLE", "--test-fraction", "0.995", "--epochs", "1"],
        "t.csv: no samples left to train on: of 60, 60 are held out for testing and 0 for",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case, tmp_path, capsys):
    argv, msg = BAD[case]
    table, text = _csv(tmp_path), None
    text = tmp_path / "text.csv"
    frame = pd.read_csv(table)
    frame.astype({"a": object}).assign(a=lambda d: d.a.where(d.index != 2, "n.a.")).to_csv(
        text, index=False
    )
    infinite = tmp_path / "inf.csv"
    pd.read_csv(table).assign(a=np.inf).to_csv(infinite, index=False)
    (tmp_path / "one.csv").write_text("a,b\n1,2\n")
    files = {"TABLE": table, "TEXT": text, "INF": infinite, "ONE": tmp_path / "one.csv"}
    argv = [str(files.get(a, a)) for a in argv]
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, *argv, "--out", str(out_dir))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("aekit: error: ") and msg in err, err
    assert "Traceback" not in err
    assert not out_dir.exists()


def test_task_errors_found_while_working_leave_no_output_folder(trained, tmp_path, capsys):
    cases = {
        "fewer labels than classes": (
            ["finetune", trained, "--labels", "5"],
            "fewer than one per class",
        ),
        "too many labels": (["finetune", trained, "--labels", "100000"], "training samples"),
        "dropout": (
            ["finetune", trained, "--labels", "50", "--dropout", "1.5"],
            "dropout and label_smoothing must be in [0, 1), got 1.5",
        ),
        "latent 0": (["sweep", "digits", "--latents", "0,4"], "latents must be positive"),
        "hidden 0": (["sweep", "digits", "--latents", "2", "--hidden", "0"], "hidden sizes"),
    }
    for name, (argv, message) in cases.items():
        out = tmp_path / name.replace(" ", "_")
        code, _, err = run(capsys, *map(str, argv), "--out", str(out), "--no-progress")
        assert code == 2 and err.count("\n") == 1 and message in err, (name, err)
        assert not out.exists(), name


def test_existing_run_needs_resume_or_overwrite(trained, capsys):
    code, _, err = run(capsys, "train", "digits", "--epochs", "1", "--out", str(trained))
    assert code == 2 and "already holds files" in err


def test_evaluate_and_info_refuse_non_checkpoints(tmp_path, capsys):
    for cmd in ("evaluate", "info"):
        code, _, err = run(capsys, cmd, str(tmp_path))
        assert code == 2 and "not an aekit checkpoint" in err


def test_damaged_weights_are_refused(trained, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(trained, copy)
    w = copy / "model.safetensors"
    data = bytearray(w.read_bytes())
    data[-5] ^= 0xFF
    w.write_bytes(bytes(data))
    code, _, err = run(capsys, "evaluate", str(copy))
    assert code == 2 and "checksum mismatch" in err


def test_evaluate_on_other_data_with_wrong_shape(trained, tmp_path, capsys):
    np.save(tmp_path / "imgs.npy", np.random.default_rng(0).integers(0, 255, (30, 12, 12)))
    code, _, err = run(capsys, "evaluate", str(trained), str(tmp_path / "imgs.npy"))
    assert code == 2 and "expects samples of shape (1, 8, 8), got (1, 12, 12)" in err


def test_table_run_end_to_end(tmp_path, capsys):
    p = _csv(tmp_path, label=np.arange(60) % 2)
    out = tmp_path / "tab"
    code, _, err = run(capsys, "train", str(p), "--label-column", "label", "--latent", "2",
                       "--epochs", "2", "--out", str(out), "--no-progress")  # fmt: skip
    assert code == 0, err
    assert not (out / "reconstructions.png").exists() and (out / "loss.png").is_file()
    code, out_text, _ = run(capsys, "evaluate", str(out), "--json")
    res = json.loads(out_text)
    assert code == 0 and res["mse"] > 0 and res["psnr"] is None and res["ssim"] is None
    # a table whose columns differ from training is refused with the names
    other = tmp_path / "other.csv"
    pd.read_csv(p).rename(columns={"a": "z"}).to_csv(other, index=False)
    code, _, err = run(capsys, "evaluate", str(out), str(other))
    assert code == 2 and "missing: a" in err and "unexpected: z" in err


def test_download_unreachable_mirror(tmp_path, capsys):
    code, _, err = run(capsys, "download", "fashion-mnist", "--url", "http://127.0.0.1:9/",
                       "--data-dir", str(tmp_path / "d"))  # fmt: skip
    assert code == 2 and err.startswith("aekit: error: cannot download")


@pytest.mark.parametrize("flag", [[], ["--no-progress"]])
def test_no_progress_reaches_embed_evaluate_and_download(tmp_path, monkeypatch, capsys, flag):
    """Every command with a progress bar takes --no-progress and passes it down."""
    import aekit.progress
    from aekit.data import fashion_mnist

    shown: list[tuple[str, bool]] = []
    real = aekit.progress.progress_bar

    def spy(*args, show=True, desc=None, **kw):
        shown.append((desc, show))
        return real(*args, show=False, desc=desc, **kw)

    monkeypatch.setattr(aekit.progress, "progress_bar", spy)
    vae = tmp_path / "vae"
    code, out, _ = run(capsys, "train", "digits", "--model", "vae", "--latent", "4", "--epochs",
                       "1", "--out", str(vae), "--no-progress", "--no-report")  # fmt: skip
    assert code == 0 and " parameters, 1 epoch in " in out  # not "1 epochs"
    shown.clear()
    assert run(capsys, "embed", str(vae), "--n", "120", "--out", str(tmp_path / "e"), *flag)[0] == 0
    assert run(capsys, "evaluate", str(vae), "--iw-samples", "5", "--iw-rows", "10", *flag)[0] == 0
    assert {d for d, _ in shown} == {"t-SNE", "IW bound, k=5"} and all(
        s == (not flag) for _, s in shown
    )
    asked: list[bool] = []
    monkeypatch.setattr(fashion_mnist, "download",
                        lambda d, url, progress: asked.append(progress) or tmp_path)  # fmt: skip
    assert run(capsys, "download", "fashion-mnist", "--data-dir", str(tmp_path), *flag)[0] == 0
    assert asked == [not flag]
    shown.clear()  # encode's bar over the samples, drawn only when wanted
    assert run(capsys, "encode", str(vae), "digits", "--out", str(tmp_path / "c.npy"),
               *flag)[0] == 0  # fmt: skip
    assert shown == ([] if flag else [("encoding", True)])


def test_rgb_image_folder_run(tmp_path, capsys):
    from PIL import Image

    rng = np.random.default_rng(0)
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(24):
        Image.fromarray(rng.integers(0, 255, (20, 24, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    out = tmp_path / "rgb"
    code, text, err = run(capsys, "train", str(folder), "--model", "conv", "--latent", "4",
                          "--image-size", "16x12", "--epochs", "1", "--out", str(out), "--no-progress")  # fmt: skip
    assert code == 0, err
    info = json.loads((out / "model.json").read_text())
    assert info["config"]["input_shape"] == [3, 16, 12]
    assert (out / "reconstructions.png").is_file()


def test_image_folders_of_other_sizes_are_read_at_the_models_size(tmp_path, capsys):
    """A folder of mixed sizes trained without --image-size: one note names the sizes and the
    one chosen (the first image's). Other folders, of other sizes and gray where the run was
    RGB, are then read at the model's size and channels by encode and evaluate."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for name, sizes, mode in (("mixed", [(20, 24), (28, 24)], "RGB"), ("big", [(40, 40)], "L")):
        for c in ("a", "b"):
            (tmp_path / name / c).mkdir(parents=True)
            for i in range(12):
                h, w = sizes[i % len(sizes)]
                shape = (h, w, 3) if mode == "RGB" else (h, w)
                Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(
                    tmp_path / name / c / f"{i}.png")  # fmt: skip
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", str(tmp_path / "mixed"), "--model", "conv", "--latent",
                       "4", "--epochs", "1", "--out", str(out), "--no-progress", "--no-report")  # fmt: skip
    assert code == 0 and err.count("aekit: note:") == 1
    assert "the images come in 2 sizes (12 of 20x24, 12 of 28x24); all are resized to 20x24" in err
    assert json.loads((out / "model.json").read_text())["config"]["input_shape"] == [3, 20, 24]
    code, text, err = run(capsys, "encode", str(out), str(tmp_path / "big"), "--out",
                          str(tmp_path / "c.npy"))  # fmt: skip
    assert code == 0 and "note" not in err and np.load(tmp_path / "c.npy").shape == (24, 4), err
    code, _, err = run(capsys, "evaluate", str(out), str(tmp_path / "big"))
    assert code == 0 and "note" not in err, err
    code, _, err = run(capsys, "evaluate", str(out))  # its own folder: read as at training
    assert code == 0 and "note" not in err, err


def test_images_read_from_a_folder_are_named_by_their_file(tmp_path, capsys):
    """encode (all of a folder, or its first --n images) and embed (the run's test split) name
    each image by its path within the folder, in the order of the samples."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in ("cat", "dog"):
        (tmp_path / "pics" / c).mkdir(parents=True)
        for i in range(15):
            Image.fromarray(rng.integers(0, 255, (8, 8), dtype=np.uint8)).save(
                tmp_path / "pics" / c / f"{i}.png")  # fmt: skip
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", str(tmp_path / "pics"), "--model", "mlp", "--latent",
                       "2", "--epochs", "1", "--out", str(out), "--no-progress", "--no-report")  # fmt: skip
    assert code == 0, err
    assert run(capsys, "encode", str(out), str(tmp_path / "pics"), "--out",
               str(tmp_path / "c.csv"))[0] == 0  # fmt: skip
    codes = pd.read_csv(tmp_path / "c.csv")
    assert list(codes.columns[:3]) == ["row", "file", "label"]
    assert codes["file"].tolist() == sorted(
        p.relative_to(tmp_path / "pics").as_posix() for p in (tmp_path / "pics").rglob("*.png")
    )
    assert (codes["file"].str.split("/").str[0] == codes["label"]).all()
    assert run(capsys, "encode", str(out), str(tmp_path / "pics"), "--n", "4", "--out",
               str(tmp_path / "c4.csv"))[0] == 0  # fmt: skip
    assert pd.read_csv(tmp_path / "c4.csv")["file"].tolist() == codes["file"][:4].tolist()
    assert run(capsys, "embed", str(out), "--map", "pca", "--out", str(tmp_path / "map"))[0] == 0
    mapped = pd.read_csv(tmp_path / "map" / "map.csv")
    assert len(mapped) == 6 and mapped["file"].is_unique  # the run's test split: a fifth
    assert (mapped["file"].str.split("/").str[0] == mapped["label"]).all()
    # denoise --noise none on a folder: each image back as a PNG of its name, x.jpg as x.png
    Image.open(tmp_path / "pics" / "dog" / "3.png").save(tmp_path / "pics" / "dog" / "x.jpg")
    code, _, err = run(capsys, "denoise", str(out), str(tmp_path / "pics"), "--noise", "none",
                       "--out", str(tmp_path / "den"))  # fmt: skip
    assert code == 0, err
    den = np.load(tmp_path / "den" / "denoised.npy")
    names = sorted(p.relative_to(tmp_path / "pics").as_posix()
                   for p in (tmp_path / "pics").rglob("*.*g"))  # fmt: skip
    assert len(den) == len(names) == 31
    for i, name in enumerate(names):
        png = np.asarray(Image.open(tmp_path / "den" / "denoised" / name.replace(".jpg", ".png")))
        assert np.abs(png / 255.0 - den[i]).max() <= 0.5 / 255 + 1e-6


def test_png_names_keep_folders_and_never_collide():
    from aekit.imageio import png_names

    assert png_names(["a/x.jpg", "y.PNG", "z.jpeg"]) == ["a/x.png", "y.png", "z.png"]
    assert png_names(["x.jpg", "x.png", "w.jpeg"]) == ["x.jpg.png", "x.png", "w.jpeg.png"]
    for bad in ("../x.png", "a/../../x.png", "/etc/x.png", "", "a\\..\\x.png"):
        with pytest.raises(AekitError, match="outside the output folder"):
            png_names(["ok.png", bad])  # names a crafted compressed file might hold


def test_a_run_whose_data_moved_asks_for_data(tmp_path, capsys):
    table = _csv(tmp_path)
    out = tmp_path / "run"
    assert (
        run(capsys, "train", str(table), "--epochs", "1", "--out", str(out), "--no-progress")[0]
        == 0
    )
    moved = table.rename(tmp_path / "moved.csv")
    for argv in (["evaluate", str(out)], ["report", str(out), "--out", str(tmp_path / "r.html")]):
        code, _, err = run(capsys, *argv)
        assert (
            code == 2 and f"was trained on {table}, which is not there any more; give DATA" in err
        )
    assert run(capsys, "evaluate", str(out), str(moved))[0] == 0


def test_weights_that_do_not_fit_their_config_name_the_tensor(trained, tmp_path, capsys):
    import shutil

    bad = tmp_path / "edited"
    shutil.copytree(trained, bad)
    info = json.loads((bad / "model.json").read_text())
    info["config"]["latent"] = 99
    (bad / "model.json").write_text(json.dumps(info))
    code, _, err = run(capsys, "evaluate", str(bad))
    assert code == 2 and err.count("\n") == 1, err  # torch's first line said only "Error(s) in"
    assert "size mismatch for encoder.fc.weight" in err and "[99," in err
