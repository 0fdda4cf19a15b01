"""Tasks on real data (digits): denoise, compress, embed, generate, finetune, sweep.

Each task is checked for what it promises (measured against a direct computation or a known
answer), its files and summary keys, and its one-line errors from the CLI.
"""

import json

import numpy as np
import pytest
import torch

from aekit import AekitError, build_model, load, metrics
from aekit.cli import main
from aekit.metrics import psnr, reconstruct
from aekit.tasks import compress as comp
from aekit.tasks import denoise as dn
from aekit.tasks import evaluation_data
from aekit.tasks import generate as gen
from aekit.tasks.common import read_summary
from aekit.tasks.finetune import FinetuneConfig, balanced_subset, finetune_compare
from aekit.tasks.sweep import noise_r2


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A denoising conv AE and a conv VAE on digits, and an MLP on a table."""
    root = tmp_path_factory.mktemp("task-runs")
    common = ["--epochs", "25", "--batch-size", "32", "--no-progress"]
    assert main(["train", "digits", "--model", "conv", "--latent", "24", "--noise", "gaussian:0.2",
                 "--out", str(root / "dae"), *common]) == 0  # fmt: skip
    assert main(["train", "digits", "--model", "conv-vae", "--latent", "4",
                 "--out", str(root / "vae"), *common]) == 0  # fmt: skip
    rng = np.random.default_rng(0)
    table = root / "t.npy"
    np.save(table, rng.normal(size=(200, 6)).astype(np.float32))
    assert main(["train", str(table), "--model", "mlp", "--latent", "2", "--hidden", "8",
                 "--epochs", "2", "--out", str(root / "table"), "--no-progress"]) == 0  # fmt: skip
    return root


# -- denoise ----------------------------------------------------------------------------------
def test_corruption_is_seeded_clipped_and_at_the_stated_level(digits):
    x = digits.x_test
    a, b = dn.corrupt(x, "gaussian:0.2", 1), dn.corrupt(x, "gaussian:0.2", 1)
    assert np.array_equal(a, b) and not np.array_equal(a, dn.corrupt(x, "gaussian:0.2", 2))
    assert a.min() >= 0 and a.max() <= 1
    mid = (x > 0.3) & (x < 0.7)  # away from the clip, the noise is N(0, 0.2)
    assert abs(float((a - x)[mid].std()) - 0.2) < 0.01
    sp = dn.corrupt(x, "saltpepper:0.2", 0)
    changed = sp != x
    assert set(np.unique(sp[changed])) <= {0.0, 1.0}
    hit = np.isin(sp, (0.0, 1.0)) & ~np.isin(x, (0.0, 1.0))  # salt or pepper where x was neither
    assert abs(hit.sum() / (~np.isin(x, (0.0, 1.0))).sum() - 0.2) < 0.01


def test_denoising_autoencoder_beats_the_noisy_input(runs, digits):
    ck = load(runs / "dae")
    clean = evaluation_data(ck, None).x_test
    summary, imgs = dn.denoise_report(ck.model, clean, "gaussian:0.2", baselines=["median"],
                                      progress=False)  # fmt: skip
    assert summary["psnr_noisy"] == pytest.approx(psnr(imgs["noisy"], clean))
    assert summary["psnr_denoised"] == pytest.approx(psnr(imgs["denoised"], clean))
    assert summary["psnr_denoised"] > summary["psnr_noisy"] + 1.0
    from scipy import ndimage

    direct = ndimage.median_filter(imgs["noisy"], size=(1, 1, 3, 3))
    assert summary["baselines"]["median"] == pytest.approx(psnr(direct, clean))


def test_bm3d_baseline_denoises_and_is_skipped_for_tiny_images(digits):
    yy, xx = np.mgrid[0:32, 0:32] / 31.0
    clean = (0.5 + 0.4 * np.sin(3 * xx) * np.cos(2 * yy))[None, None].astype(np.float32)
    noisy = dn.corrupt(clean, "gaussian:0.1", 0)
    out = dn.baseline("bm3d", noisy, dn.parse_noise("gaussian:0.1"))
    assert psnr(out, clean) > psnr(noisy, clean) + 5
    model = build_model("conv", input_shape=(1, 8, 8), latent=4)
    summary, _ = dn.denoise_report(model, digits.x_test[:20], "gaussian:0.2",
                                   baselines=["bm3d"], progress=False)  # fmt: skip
    assert "bm3d" in summary["baselines_skipped"] and summary["baselines"] == {}


def test_denoise_cli_writes_images_grid_and_summary(runs, tmp_path, capsys):
    out = tmp_path / "dn"
    code, text, _ = run(capsys, "denoise", runs / "dae", "--noise", "saltpepper:0.2", "--out",
                        out, "--n", "50", "--baselines", "median,gaussian", "--no-progress")  # fmt: skip
    assert code == 0 and "psnr_denoised" in text
    s = read_summary(out)
    assert {"psnr_noisy", "psnr_denoised", "ssim_denoised", "baselines"} <= set(s)
    assert set(s["baselines"]) == {"median", "gaussian"} and s["images"] == 50
    assert np.load(out / "denoised.npy").shape == (50, 8, 8)
    assert (out / "denoise.png").stat().st_size > 1000


# -- compress ---------------------------------------------------------------------------------
def test_codec_round_trips_and_codes_near_the_entropy():
    from aekit import codec

    rng = np.random.default_rng(0)
    s = np.round(rng.normal(0, 4, (5000, 12))).astype(np.int64)
    s[:, 3] = 7  # a constant column costs nothing
    fields, tables, payload = codec.encode_symbols(s)
    data = codec.write_file(fields, tables, payload)
    h, t, p = codec.read_file(data)
    assert np.array_equal(codec.decode_symbols(h, t, p), s)
    entropy = 0.0
    for j in range(s.shape[1]):
        prob = np.bincount(s[:, j] - s[:, j].min()) / len(s)
        prob = prob[prob > 0]
        entropy -= (prob * np.log2(prob)).sum() * len(s)
    assert len(payload) * 8 < 1.01 * entropy + 64


def test_compress_decompress_round_trip_and_rate_control(runs, tmp_path, capsys):
    ck = load(runs / "dae")
    x = evaluation_data(ck, None).x_test
    sizes, psnrs = [], []
    for q in (10, 40, 80):
        data, recon = comp.compress_bytes(ck, x, q)
        sizes.append(len(data))
        psnrs.append(psnr(recon, x))
    assert sizes[0] < sizes[1] < sizes[2] and psnrs[0] < psnrs[1] <= psnrs[2] + 1e-6
    f = tmp_path / "digits.aekz"
    code, text, _ = run(capsys, "compress", runs / "dae", "digits", "--out", f, "--quality", "40")
    assert code == 0
    s = read_summary(tmp_path)  # summary.json beside the file
    assert (tmp_path / "compress.png").stat().st_size > 1000
    assert s["bits_per_image"] == pytest.approx(f.stat().st_size * 8 / s["images"])
    assert s["psnr"] == pytest.approx(psnrs[1], abs=1e-4) and s["images"] == len(x)
    assert run(capsys, "decompress", f, "--out", tmp_path / "back.npy")[0] == 0
    back = np.load(tmp_path / "back.npy")
    assert back.shape == (len(x), 8, 8)
    # written as open() writes: mode 0666 less the umask (a mkstemp file was private, 0600)
    assert (tmp_path / "back.npy").stat().st_mode & 0o777 == (f.stat().st_mode & 0o777)
    _, recon = comp.compress_bytes(ck, x, 40)
    assert np.allclose(back, recon[:, 0], atol=1e-6)  # input order kept
    assert run(capsys, "decompress", f, "--out", tmp_path / "pngs")[0] == 0
    assert len(list((tmp_path / "pngs").glob("*.png"))) == len(x)


def test_arrays_are_written_whole_or_not_at_all(tmp_path):
    """save_npy (decompress, denoise and generate outputs): a failed write leaves no file and
    no temporary beside it; object arrays are refused, never pickled."""
    from aekit.checkpoint import save_npy

    with pytest.raises(ValueError, match="pickle"):
        save_npy(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object))
    assert list(tmp_path.iterdir()) == []
    save_npy(tmp_path / "o.npy", np.arange(3.0))
    assert np.load(tmp_path / "o.npy").tolist() == [0.0, 1.0, 2.0]
    assert [p.name for p in tmp_path.iterdir()] == ["o.npy"]


def test_residual_layer_goes_beyond_the_models_ceiling(runs, tmp_path, capsys):
    """A residual layer adds fidelity for bits: finer steps, higher PSNR and bigger files, the
    error of each pixel within half a step; format 2 on disk, format 1 without it."""
    from aekit import codec

    ck = load(runs / "dae")
    x = evaluation_data(ck, None).x_test
    base, base_recon = comp.compress_bytes(ck, x, 40)
    sizes, psnrs, recons = [], [], {}
    for step in (0.2, 0.1, 0.02):
        data, recons[step] = comp.compress_bytes(ck, x, 40, residual=step)
        assert np.abs(recons[step] - x).max() <= step / 2 + 1e-6  # clipping to [0, 1] only helps
        sizes.append(len(data))
        psnrs.append(psnr(recons[step], x))
    assert len(base) < sizes[0] < sizes[1] < sizes[2]
    assert psnr(base_recon, x) < psnrs[0] < psnrs[1] < psnrs[2]
    f = tmp_path / "r.aekz"
    code, _, _ = run(capsys, "compress", runs / "dae", "digits", "--out", f, "--quality", "40",
                     "--residual", "0.1")  # fmt: skip
    assert code == 0 and read_summary(tmp_path)["residual_step"] == 0.1
    assert f.read_bytes()[4:6] == (2).to_bytes(2, "little") and base[4:6] == b"\x01\x00"
    assert run(capsys, "decompress", f, "--out", tmp_path / "r.npy")[0] == 0
    assert np.allclose(np.load(tmp_path / "r.npy"), recons[0.1][:, 0], atol=1e-6)
    header = codec.read_file(f.read_bytes())[0]
    assert header["columns"] == header["code_columns"] + 64  # one residual column per pixel
    # a file written before the residual layer existed (no such header keys) reads as before
    old_header, tables, payload = codec.read_file(base)
    old_header = {k: v for k, v in old_header.items()
                  if k not in ("code_columns", "residual_step", "tables_bytes", "payload_bytes")}  # fmt: skip
    (tmp_path / "old.aekz").write_bytes(codec.write_file(old_header, tables, payload))
    assert np.allclose(comp.decompress_file(tmp_path / "old.aekz"), base_recon, atol=1e-6)
    code, _, err = run(capsys, "compress", runs / "dae", "digits", "--out", tmp_path / "z.aekz",
                       "--residual", "0")  # fmt: skip
    assert code == 2 and "residual step must be in (0, 1]" in err
    assert not (tmp_path / "z.aekz").exists()


def test_compress_names_brings_a_folder_back_under_its_file_names(runs, tmp_path, capsys):
    """--names stores a folder's file names (zlib, counted in the size); decompress then writes
    each image under its own name, sub-folders kept. Without it, images are numbered."""
    from PIL import Image

    from aekit.data.digits import load_arrays

    x, y = load_arrays()
    names = []
    for i in range(40):  # 8x8 grey digits in a folder per class, as a user's scans might be
        name = f"d{y[i]}/scan_{i}.png"
        (tmp_path / "scans" / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(x[i] * 255).astype(np.uint8)).save(tmp_path / "scans" / name)
        names.append(name)
    f, plain = tmp_path / "named.aekz", tmp_path / "plain.aekz"
    assert run(capsys, "compress", runs / "dae", tmp_path / "scans", "--out", plain)[0] == 0
    code, text, err = run(capsys, "compress", runs / "dae", tmp_path / "scans", "--out", f,
                          "--names")  # fmt: skip
    assert code == 0, err
    s = read_summary(tmp_path)
    assert f.stat().st_size == plain.stat().st_size + s["names_bytes"] + len(',"names":""')
    assert s["names_bytes"] < len("".join(names)) / 2  # compressed: shared prefixes
    assert "of them file names" in text
    assert run(capsys, "decompress", f, "--out", tmp_path / "back")[0] == 0
    back = comp.decompress_file(f)
    for i, name in enumerate(sorted(names)):  # input order: the folder's sorted files
        png = np.asarray(Image.open(tmp_path / "back" / name)) / 255.0
        assert np.abs(png - back[i, 0]).max() <= 0.5 / 255 + 1e-6
    assert run(capsys, "decompress", plain, "--out", tmp_path / "numbered")[0] == 0
    assert len(list((tmp_path / "numbered").glob("0000*.png"))) == 40
    code, _, err = run(capsys, "compress", runs / "dae", "digits", "--names", "--out",
                       tmp_path / "x.aekz")  # fmt: skip
    assert code == 2 and "--names stores a folder's file names; digits is not a folder" in err
    # a crafted file whose names climb out of the output folder is refused, nothing written
    evil, _ = comp.compress_bytes(load(runs / "dae"), back[:2], 50, None, ["../evil.png", "b.png"])
    (tmp_path / "evil.aekz").write_bytes(evil)
    code, _, err = run(capsys, "decompress", tmp_path / "evil.aekz", "--out", tmp_path / "e")
    assert code == 2 and "'../evil.png' would be written outside the output folder" in err
    assert not (tmp_path / "evil.png").exists() and not (tmp_path / "e").exists()
    header, tables, payload = comp.read_compressed(f)
    with pytest.raises(AekitError, match="stored file names are damaged"):
        comp.unpack_names({**header, "names": "AAAA"}, 40, f)
    with pytest.raises(AekitError, match="39 stored file names for 40 images"):
        comp.unpack_names({"names": comp.pack_names(names[:39])}, 40, f)
    with pytest.raises(AekitError, match="longer than file names can be"):  # a zip bomb
        comp.unpack_names({"names": comp.pack_names(["a" * 50_000] * 2)}, 2, f)


def test_a_digits_model_reads_png_files_in_its_own_grey_levels(runs, tmp_path, capsys):
    """digits hold grey levels 0..16, PNG files 0..255: a model trained on digits reads a folder
    of the same digits as PNGs at the levels it was trained on (it read them 16x too bright),
    and evaluate on the folder scores what evaluate on digits does."""
    from PIL import Image

    from aekit.data.digits import load_arrays
    from aekit.tasks.common import input_data

    x, y = load_arrays()
    for i in range(60):
        (tmp_path / "pngs" / str(y[i])).mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(x[i] / 16 * 255).astype(np.uint8)).save(
            tmp_path / "pngs" / str(y[i]) / f"{i:02d}.png")  # fmt: skip
    ck = load(runs / "dae")
    ds = input_data(ck, tmp_path / "pngs")
    assert ds.files is not None
    order = [int(f.split("/")[1][:2]) for f in ds.files["train"]]
    want = ck.scaler.transform(x[order][:, None])
    assert np.abs(ds.x_train - want).max() <= 0.5 / 255 + 1e-6  # 8-bit rounding only
    # the same digits saved as an 8-bit array read alike; a float array by its own values
    as_bytes = np.round(x[order] / 16 * 255).astype(np.uint8)
    np.save(tmp_path / "bytes.npy", as_bytes)
    got = input_data(ck, tmp_path / "bytes.npy").x_train
    assert np.abs(got - want).max() <= 0.5 / 255 + 1e-6
    np.save(tmp_path / "floats.npy", x[order])  # digits' own 0..16 levels, as floats
    assert np.allclose(input_data(ck, tmp_path / "floats.npy").x_train, want, atol=1e-6)
    code, text, err = run(capsys, "evaluate", runs / "dae", tmp_path / "pngs", "--json")
    assert code == 0, err
    assert 0 < json.loads(text)["mse"] < 0.05  # 16x too bright gave errors in the tens


def test_damaged_or_foreign_compressed_files_are_refused(runs, tmp_path, capsys):
    f = tmp_path / "c.aekz"
    assert run(capsys, "compress", runs / "dae", "digits", "--out", f, "--n", "20")[0] == 0
    raw = bytearray(f.read_bytes())
    raw[len(raw) // 2] ^= 0x10
    bad = tmp_path / "bad.aekz"
    bad.write_bytes(bytes(raw))
    code, _, err = run(capsys, "decompress", bad, "--out", tmp_path / "x.npy")
    assert code == 2 and "checksum mismatch" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.npy").exists()
    code, _, err = run(capsys, "decompress", f, "--out", tmp_path / "y.npy", "--run", runs / "vae")
    assert code == 2 and "not the model that wrote" in err
    code, _, err = run(capsys, "compress", runs / "table", runs / "t.npy", "--out", tmp_path / "t")
    assert code == 2 and "works on images; this data holds rows (a table or text)" in err
    code, _, err = run(capsys, "denoise", runs / "table", runs / "t.npy", "--out", tmp_path / "t")
    assert code == 2 and "(time series, audio); this data holds rows (a table or text)" in err


# -- embed ------------------------------------------------------------------------------------
def test_map_quality_known_answers(digits):
    two = np.random.default_rng(0).normal(size=(300, 2))
    assert metrics.trustworthiness(two, two) == pytest.approx(1.0)  # a map of itself: no intruders
    shuffled = np.random.default_rng(1).permutation(two)
    assert metrics.trustworthiness(two, shuffled) < 0.6  # a map unrelated to the data
    y = digits.y_test
    separated = np.stack([y * 10.0, np.zeros(len(y))], 1)  # classes in distinct clusters
    assert (
        metrics.knn_accuracy(
            separated + np.random.default_rng(0).normal(0, 0.1, separated.shape), y
        )
        == 1.0
    )


def test_tsne_of_codes_separates_digits_and_writes_files(runs, tmp_path, capsys):
    out = tmp_path / "map"
    code, text, _ = run(capsys, "embed", runs / "dae", "--map", "tsne", "--out", out)
    assert code == 0
    s = read_summary(out)
    assert {"knn_accuracy", "trustworthiness", "seconds"} <= set(s)
    assert s["knn_accuracy"] > 0.8 and s["trustworthiness"] > 0.8
    import pandas as pd

    csv = pd.read_csv(out / "map.csv")
    assert list(csv.columns) == ["x", "y", "label"] and len(csv) == s["samples"]
    assert (out / "map.png").stat().st_size > 1000
    code, _, err = run(capsys, "embed", runs / "dae", "--map", "mds", "--out", tmp_path / "m2")
    assert code == 2 and "unknown map" in err


def test_tsne_schedule_reaches_the_map_and_bad_ones_are_refused(runs, tmp_path, capsys):
    full, short = tmp_path / "full", tmp_path / "short"
    assert run(capsys, "embed", runs / "dae", "--n", "300", "--out", full)[0] == 0
    assert read_summary(full)["tsne_iterations"] == {"exaggeration": 250, "further": 500}
    code, _, _ = run(capsys, "embed", runs / "dae", "--n", "300", "--out", short,
                     "--exaggeration-iterations", "0", "--iterations", "1")  # fmt: skip
    assert code == 0
    assert read_summary(short)["tsne_iterations"] == {"exaggeration": 0, "further": 1}
    import pandas as pd

    # openTSNE starts from a PCA map scaled to std 1e-4; one step leaves it tiny, 750 spread it
    spread = {k: pd.read_csv(k / "map.csv")[["x", "y"]].to_numpy().std() for k in (full, short)}
    assert spread[short] < 0.01 * spread[full]
    for args, msg in (
        (["--iterations", "0"], "iterations >= 1"),
        (["--exaggeration-iterations", "-1"], "exaggeration iterations >= 0"),
        (["--map", "pca", "--iterations", "10"], "apply to --map tsne only"),
    ):
        code, _, err = run(capsys, "embed", runs / "dae", "--out", tmp_path / "bad", *args)
        assert code == 2 and msg in err and len(err.strip().splitlines()) == 1
        assert not (tmp_path / "bad").exists()


def test_pca_map_of_a_table_run(runs, tmp_path, capsys):
    code, _, _ = run(capsys, "embed", runs / "table", "--map", "pca", "--out", tmp_path / "p")
    assert code == 0
    assert read_summary(tmp_path / "p")["knn_accuracy"] is None  # no labels: no kNN accuracy


# -- generate ---------------------------------------------------------------------------------
def test_vae_samples_interpolation_and_traversal(runs, tmp_path, capsys):
    ck = load(runs / "vae")
    a, b = gen.sample(ck.model, 8, seed=3), gen.sample(ck.model, 8, seed=3)
    assert a.shape == (8, 1, 8, 8) and np.array_equal(a, b)
    x = evaluation_data(ck, None).x_test
    line = gen.interpolate(ck.model, x[0], x[1], steps=5)
    ends = reconstruct(ck.model, x[:2])
    assert np.allclose(line[0], ends[0], atol=1e-5) and np.allclose(line[-1], ends[1], atol=1e-5)
    imgs, values = gen.traverse(ck.model, x[0], 1, steps=7)
    assert imgs.shape[0] == 7 and values[0] == -3.0 and values[-1] == 3.0
    out = tmp_path / "gen"
    code, _, _ = run(capsys, "generate", runs / "vae", "--n", "16", "--interpolate", "0", "5",
                     "--traverse", "2", "--out", out)  # fmt: skip
    assert code == 0
    assert {"samples.png", "samples.npy", "interpolation.png", "traversal.png",
            "summary.json"} <= {p.name for p in out.iterdir()}  # fmt: skip
    assert np.load(out / "samples.npy").shape == (16, 8, 8)


def test_generate_errors(runs, tmp_path, capsys):
    code, _, err = run(capsys, "generate", runs / "dae", "--out", tmp_path / "g")
    assert code == 2 and "no prior" in err
    assert run(capsys, "generate", runs / "dae", "--interpolate", "0", "1", "--out",
               tmp_path / "g")[0] == 0  # fmt: skip
    code, _, err = run(capsys, "generate", runs / "vae", "--traverse", "9", "--out", tmp_path / "h")
    assert code == 2 and "dimensions 0..3" in err
    code, _, err = run(capsys, "generate", runs / "vae", "--n", "0", "--out", tmp_path / "n0")
    assert code == 2 and "--n must be >= 1" in err and not (tmp_path / "n0").exists()
    code, _, err = run(capsys, "generate", tmp_path, "--out", tmp_path / "i")
    assert code == 2 and "not an aekit checkpoint" in err


# -- finetune ---------------------------------------------------------------------------------
def test_balanced_subset():
    y = np.repeat(np.arange(4), 50)
    idx = balanced_subset(y, 40, seed=1)
    assert np.array_equal(np.bincount(y[idx]), [10] * 4)
    assert np.array_equal(idx, balanced_subset(y, 40, seed=1))
    assert not np.array_equal(idx, balanced_subset(y, 40, seed=2))


def test_balanced_subset_of_imbalanced_classes_gives_rare_ones_all_they_have():
    y = np.array([0] * 292 + [1] * 177 + [2] * 10 + [3] * 19 + [4] * 2)  # ECG5000's training split
    idx = balanced_subset(y, 50, seed=0)
    assert len(idx) == 50 and len(set(idx)) == 50
    assert np.bincount(y[idx]).tolist() == [13, 13, 10, 12, 2]  # 4 and 2 give all they have
    assert np.bincount(y[balanced_subset(y, 500, seed=0)]).tolist() == [292, 177, 10, 19, 2]
    assert np.bincount(y[balanced_subset(y, 43, seed=0)]).tolist() == [11, 10, 10, 10, 2]
    with pytest.raises(AekitError, match="more than the 500 labelled training samples"):
        balanced_subset(y, 501, seed=0)
    with pytest.raises(AekitError, match="fewer than one per class"):
        balanced_subset(y, 4, seed=0)


def test_finetune_defaults_depend_on_the_data_kind():
    images, table = FinetuneConfig().for_data((1, 28, 28)), FinetuneConfig().for_data((30,))
    assert (images.epochs, images.lr, images.augment_shift) == (100, 2e-3, 1)
    assert (table.epochs, table.lr, table.augment_shift) == (30, 1e-3, 0)
    signals = FinetuneConfig().for_data((1, 140))  # (C, L): not shifted like an image
    assert signals.augment_shift == 0
    mine = FinetuneConfig(epochs=7, lr=0.5, augment_shift=2).for_data((1, 28, 28))
    assert (mine.epochs, mine.lr, mine.augment_shift) == (7, 0.5, 2)  # given values are kept


def test_finetune_compares_four_methods_on_the_same_labels(runs, tmp_path, capsys):
    ck = load(runs / "dae")
    ds = evaluation_data(ck, None)
    s = finetune_compare(ck, ds, 200, seeds=(0, 1), cfg=FinetuneConfig(epochs=15), progress=False)
    assert s["labels"] == 200 and set(s["accuracy"]) == {"finetuned", "scratch", "probe", "svm"}
    for r in s["rows"]:
        for m in ("finetuned", "scratch", "probe", "svm"):
            assert 0.5 < r[m] <= 1.0  # 20 labels per digit: all far above chance (0.1)
    out = tmp_path / "ft"
    code, text, _ = run(capsys, "finetune", runs / "dae", "--labels", "100", "--seeds", "0",
                        "--epochs", "5", "--out", out, "--no-progress")  # fmt: skip
    assert code == 0 and "finetuned" in text
    summary = read_summary(out)
    clf = load(out / "classifier")  # the fine-tuned classifier is a loadable checkpoint
    x = torch.from_numpy(ds.x_test)
    acc = float((clf.model.predict_proba(x).argmax(1).numpy() == ds.y_test).mean())
    assert acc == pytest.approx(summary["rows"][0]["finetuned"])
    code, _, err = run(capsys, "finetune", runs / "table", "--out", tmp_path / "f2")
    assert code == 2 and "labels" in err


# -- sweep ------------------------------------------------------------------------------------
def test_noise_r2_known_answers():
    ident = build_model("mlp", input_shape=(6,), latent=6, hidden=[], output="linear")
    with torch.no_grad():
        ident.encoder.linears[0].weight.copy_(torch.eye(6))
        ident.encoder.linears[0].bias.zero_()
        ident.decoder.linears[0].weight.copy_(torch.eye(6))
        ident.decoder.linears[0].bias.zero_()
    assert noise_r2(ident, (6,), "table") == pytest.approx(1.0)
    with torch.no_grad():
        ident.decoder.linears[0].weight.zero_()
    assert noise_r2(ident, (6,), "table") == pytest.approx(0.0, abs=0.05)  # predicts the mean


def test_sweep_cli_rows_and_files(tmp_path, capsys):
    out = tmp_path / "sw"
    code, text, _ = run(capsys, "sweep", "digits", "--latents", "2,16,96", "--epochs", "3",
                        "--out", out, "--no-progress")  # fmt: skip
    assert code == 0
    s = read_summary(out)
    assert [r["latent"] for r in s["rows"]] == [2, 16, 96]
    for r in s["rows"]:
        assert {"latent", "train_mse", "test_mse", "probe_accuracy", "noise_r2"} <= set(r)
    assert s["rows"][2]["overcomplete"] and not s["rows"][1]["overcomplete"]
    assert s["rows"][1]["test_mse"] < s["rows"][0]["test_mse"]  # 16 numbers beat 2
    assert (out / "sweep.png").is_file() and (out / "latent-16" / "model.json").is_file()
    code, _, err = run(capsys, "sweep", "digits", "--latents", "0,4", "--out", tmp_path / "s2")
    assert code == 2 and "positive" in err


def test_task_cli_rejects_what_is_not_a_run(tmp_path, capsys):
    for cmd in (["denoise", tmp_path, "--out", tmp_path / "o"],
                ["compress", tmp_path, "digits", "--out", tmp_path / "o.aekz"],
                ["embed", tmp_path, "--out", tmp_path / "o"],
                ["finetune", tmp_path, "--out", tmp_path / "o"]):  # fmt: skip
        code, _, err = run(capsys, *cmd)
        assert code == 2 and "not an aekit checkpoint" in err and len(err.splitlines()) == 1


def test_images_of_the_wrong_size_are_refused(runs, tmp_path, capsys):
    imgs = tmp_path / "big.npy"
    np.save(imgs, np.random.default_rng(0).random((5, 12, 12)).astype(np.float32))
    code, _, err = run(capsys, "compress", runs / "dae", imgs, "--out", tmp_path / "o.aekz")
    assert code == 2 and "expects samples of shape" in err
    code, _, err = run(capsys, "denoise", runs / "dae", imgs, "--noise", "none", "--out",
                       tmp_path / "d")  # fmt: skip
    assert code == 2 and "expects samples of shape" in err


def test_compare_runs_side_by_side(runs, tmp_path, capsys):
    code, out, _ = run(capsys, "compare", runs / "dae", runs / "vae")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("| run | model |") and len(lines) == 4
    assert "| dae | conv | 24 | gaussian:0.2 |" in out and "| vae | conv-vae | 4 |" in out
    code, out, _ = run(capsys, "compare", runs / "dae", "--json")
    import json

    (row,) = json.loads(out)
    recorded = json.loads((runs / "dae" / "metrics.json").read_text())
    assert (
        row["mse"] == recorded["test_mse"]
        and row["probe_accuracy"] == recorded["test_probe_accuracy"]
    )
    code, _, err = run(capsys, "compare", runs / "dae", tmp_path)
    assert code == 2 and "not an aekit checkpoint" in err


def test_encode_writes_the_codes_of_every_sample(runs, tmp_path, capsys):
    """`aekit encode`: the run's codes of DATA in input order (a VAE's: its posterior mean),
    with the class names, as CSV, Parquet or .npy; `--n` keeps the first N; bad output names,
    a GAN and data of another kind are refused in one line with nothing written."""
    import pandas as pd

    from aekit.metrics import encode

    for name in ("dae", "vae"):
        ck = load(runs / name)
        want = encode(ck.model, evaluation_data(ck, "digits").x_test)
        code, out, err = run(capsys, "encode", runs / name, "digits", "--out", tmp_path / "c.csv")
        assert code == 0 and out.startswith(f"359 samples encoded to {want.shape[1]}-d codes")
        df = pd.read_csv(tmp_path / "c.csv")
        assert df.columns[:2].tolist() == ["row", "label"] and len(df) == 359
        z = df[[f"z{j}" for j in range(want.shape[1])]].to_numpy()
        np.testing.assert_allclose(z, want, atol=1e-5)
        ds = evaluation_data(ck, "digits")
        assert df["label"].tolist() == [int(ds.class_names[c]) for c in ds.y_test]
    assert run(capsys, "encode", runs / "vae", "digits", "--out", tmp_path / "c.npy",
               "--n", "7")[0] == 0  # fmt: skip
    np.testing.assert_allclose(np.load(tmp_path / "c.npy"), want[:7], atol=1e-5)
    assert run(capsys, "encode", runs / "table", runs / "t.npy", "--out",
               tmp_path / "t.parquet")[0] == 0  # fmt: skip
    t = pd.read_parquet(tmp_path / "t.parquet")
    assert t.columns.tolist() == ["row", "z0", "z1"] and len(t) == 200  # every row, no labels
    before = sorted(p.name for p in tmp_path.iterdir())
    bad = {
        (runs / "dae", "digits", tmp_path / "c.txt"): "give a .csv, .parquet or .npy file",
        (runs / "dae", "digits", tmp_path / "no" / "c.csv"): "does not exist",
        (runs / "dae", runs / "t.npy", tmp_path / "x.csv"): "trained on images",
    }
    for (r, data, o), msg in bad.items():
        code, _, err = run(capsys, "encode", r, data, "--out", o)
        assert code == 2 and msg in err and len(err.strip().splitlines()) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_predict_puts_the_fine_tuned_classifier_to_work(runs, tmp_path, capsys):
    """`aekit predict` with finetune's classifier: on digits' test split it scores exactly the
    accuracy finetune recorded; rows carry the predicted class name and probabilities that sum
    to 1. A table classifier reads a new file without the label column (nothing to score) and
    a file holding only one of the classes (scored by name). Anything but a classifier is
    refused in one line."""
    import pandas as pd

    ft = tmp_path / "ft"
    assert run(capsys, "finetune", runs / "dae", "--labels", "100", "--seeds", "0", "--epochs",
               "10", "--out", ft, "--no-progress")[0] == 0  # fmt: skip
    recorded = json.loads((ft / "classifier" / "model.json").read_text())["metrics"]
    code, out, err = run(capsys, "predict", ft, "digits", "--out", tmp_path / "p.csv", "--plot",
                         tmp_path / "cm.png")  # fmt: skip
    assert code == 0 and (tmp_path / "cm.png").read_bytes()[:4] == b"\x89PNG", err
    assert out.splitlines()[-1] == f"accuracy on their labels: {recorded['test_accuracy']:.4f}"
    p = pd.read_csv(tmp_path / "p.csv", dtype={"label": str, "predicted": str})
    probs = p[[f"p_{c}" for c in range(10)]].to_numpy()
    assert len(p) == 359 and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert (p["predicted"] == probs.argmax(1).astype(str)).all()
    assert np.allclose(p["probability"], probs.max(1))
    assert (p["label"] == p["predicted"]).mean() == pytest.approx(recorded["test_accuracy"])

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    cols = {f"f{j}": rng.normal(size=400) + 2.0 * y * (j < 3) for j in range(6)}
    pd.DataFrame({**cols, "kind": np.where(y == 1, "b", "a")}).to_csv(tmp_path / "t.csv",
                                                                    index=False)  # fmt: skip
    assert run(capsys, "train", tmp_path / "t.csv", "--label-column", "kind", "--latent", "3",
               "--epochs", "10", "--out", tmp_path / "tr", "--no-progress", "--no-report")[0] == 0  # fmt: skip
    assert run(capsys, "finetune", tmp_path / "tr", "--labels", "40", "--seeds", "0",
               "--out", tmp_path / "tft", "--no-progress")[0] == 0  # fmt: skip
    pd.DataFrame(cols).head(50).to_csv(tmp_path / "new.csv", index=False)  # no label column
    code, out, err = run(capsys, "predict", tmp_path / "tft", tmp_path / "new.csv", "--out",
                         tmp_path / "n.parquet", "--plot", tmp_path / "shares.png")  # fmt: skip
    assert code == 0 and "accuracy" not in out and (tmp_path / "shares.png").is_file(), err
    n = pd.read_parquet(tmp_path / "n.parquet")
    assert n.columns.tolist() == ["row", "predicted", "probability", "p_a", "p_b"]
    assert (n["predicted"] == np.where(y[:50] == 1, "b", "a")).mean() > 0.85
    only_b = pd.DataFrame({**cols, "kind": np.where(y == 1, "b", "a")})[y == 1]
    only_b.to_csv(tmp_path / "b.csv", index=False)
    code, out, _ = run(capsys, "predict", tmp_path / "tft", tmp_path / "b.csv", "--out",
                       tmp_path / "b_p.csv")  # fmt: skip
    b_p = pd.read_csv(tmp_path / "b_p.csv")
    assert code == 0 and out.endswith(f"{(b_p['predicted'] == 'b').mean():.4f}\n")
    assert (b_p["predicted"] == "b").mean() > 0.85

    for target, msg in ((runs / "dae", "not a classifier"),
                        (tmp_path / "nothing", "not an aekit checkpoint")):  # fmt: skip
        code, _, err = run(capsys, "predict", target, "digits", "--out", tmp_path / "x.csv")
        assert code == 2 and msg in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "predict", ft, "digits", "--out", tmp_path / "x.npy")
    assert code == 2 and "give a .csv or .parquet file" in err
    code, _, err = run(capsys, "predict", ft, "digits", "--out", tmp_path / "x.csv", "--plot",
                       tmp_path / "x.jpg")  # fmt: skip
    assert code == 2 and "give a .png file" in err
    for cmd in (["evaluate"], ["report"], ["embed", "--out", tmp_path / "e"]):  # a traceback
        code, _, err = run(capsys, cmd[0], ft / "classifier", *cmd[1:])
        assert code == 2 and len(err.strip().splitlines()) == 1 and "aekit predict" in err
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.npy").exists()


def test_compare_says_when_runs_were_not_tested_alike(runs, tmp_path, capsys):
    """Metrics compare only on the same test samples, scaled alike: dae and vae share digits'
    test split (no note); the table run does not, and its scaler differs; a digits run split
    with another seed holds other test images; the official test split of a UCR pair of files
    is the same whatever the seed."""
    code, _, err = run(capsys, "compare", runs / "dae", runs / "vae")
    assert code == 0 and "note:" not in err
    code, _, err = run(capsys, "compare", runs / "dae", runs / "table")
    assert code == 0 and len(err.splitlines()) == 1
    assert "test data differs" in err and "scaler differs (dae: minmax; table: standard)" in err
    common = ["--model", "mlp", "--hidden", "8", "--latent", "2", "--epochs", "1", "--no-progress",
              "--no-report"]  # fmt: skip
    assert run(capsys, "train", "digits", "--seed", "1", "--out", tmp_path / "s1", *common)[0] == 0
    code, _, err = run(capsys, "compare", runs / "dae", tmp_path / "s1")
    assert "test data differs" in err and "scaler" not in err and "seed 1" in err
    rng = np.random.default_rng(0)
    for part, n in (("TRAIN", 40), ("TEST", 30)):
        rows = np.column_stack([rng.integers(1, 3, n), rng.normal(size=(n, 24))])
        np.savetxt(tmp_path / f"toy_{part}.tsv", rows, delimiter="\t", fmt="%.5f")
    for seed in (0, 1):
        assert run(capsys, "train", tmp_path / "toy_TRAIN.tsv", "--seed", seed,
                   "--out", tmp_path / f"u{seed}", *common)[0] == 0  # fmt: skip
    code, _, err = run(capsys, "compare", tmp_path / "u0", tmp_path / "u1")
    assert code == 0 and "note:" not in err


def test_compare_plot_and_vae_columns(runs, tmp_path, capsys):
    png = tmp_path / "cmp.png"
    code, out, err = run(capsys, "compare", runs / "dae", runs / "vae", "--plot", png)
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG" and "plot written" in err
    header = out.splitlines()[0]
    assert "| elbo | iw_nll |" in header  # the VAE's likelihood columns; "-" for the plain AE
    dae_row = next(line for line in out.splitlines() if line.startswith("| dae |"))
    assert dae_row.rstrip(" |").endswith("- | -")
    code, _, err = run(capsys, "compare", runs / "dae", "--plot", tmp_path / "c.jpg")
    assert code == 2 and ".png" in err and not (tmp_path / "c.jpg").exists()


def test_evaluate_vae_likelihood_keys(runs, capsys):
    import json

    code, out, _ = run(capsys, "evaluate", runs / "vae", "--json", "--iw-samples", "50",
                       "--iw-rows", "40")  # fmt: skip
    res = json.loads(out)
    assert code == 0 and res["iw_samples"] == 50 and res["iw_rows"] == 40
    assert res["likelihood"] == "bernoulli" and 0 < res["iw_nll"] < -res["elbo"]
    code, out, _ = run(capsys, "evaluate", runs / "dae", "--json")
    assert code == 0 and "elbo" not in json.loads(out)  # not a VAE
    code, _, err = run(capsys, "evaluate", runs / "vae", "--iw-samples", "-1")
    assert code == 2 and "--iw-samples" in err
