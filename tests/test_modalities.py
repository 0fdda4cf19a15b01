"""Time series, audio and text (issue 7): loaders on small files written here (and on the real
data sets in ../shared/data when present), 1-D conv models, the TF-IDF vocabulary saved with
the model, detection and training from the CLI, and one-line errors for bad input."""

import json
import wave
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import torch

from aekit import AekitError, AnomalyDetector, build_model, load_dataset
from aekit.cli import main
from aekit.data import audio, text

from .conftest import SHARED

ECG = Path(SHARED) / "timeseries/ecg5000/ECG5000_TRAIN.tsv"
FSDD = Path(SHARED) / "audio/fsdd/recordings"
SMS = Path(SHARED) / "text/sms_spam_collection/SMSSpamCollection"
AG = Path(SHARED) / "text/ag_news_test/test.csv"
needs_shared = pytest.mark.skipif(not ECG.is_file(), reason="no ../shared/data beside the repo")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- time series ----------------------------------------------------------------------------
def _beats(n: int, rng, anomalous: bool = False, length: int = 64) -> np.ndarray:
    """Synthetic 'heartbeats': a bump at a jittered place; anomalies have a second, inverted one."""
    t = np.arange(length)
    out = []
    for _ in range(n):
        c = 20 + rng.normal(0, 1.5)
        s = np.exp(-0.5 * ((t - c) / 3.0) ** 2) * 3
        if anomalous:
            s -= np.exp(-0.5 * ((t - 44 - rng.normal(0, 2)) / 4.0) ** 2) * 2
        out.append(s + rng.normal(0, 0.1, length))
    return np.array(out)


def _write_ucr(path: Path, x: np.ndarray, y: np.ndarray) -> Path:
    path.write_text("".join(f"{int(c)}\t" + "\t".join(f"{v:.6f}" for v in row) + "\n"
                            for c, row in zip(y, x)))  # fmt: skip
    return path


@pytest.fixture(scope="module")
def ucr(tmp_path_factory):
    rng = np.random.default_rng(0)
    d = tmp_path_factory.mktemp("ucr")
    x_tr = np.concatenate([_beats(120, rng), _beats(12, rng, anomalous=True)])
    y_tr = np.array([1] * 120 + [2] * 12)
    x_te = np.concatenate([_beats(80, rng), _beats(40, rng, anomalous=True)])
    y_te = np.array([1] * 80 + [2] * 40)
    _write_ucr(d / "BEATS_TRAIN.tsv", x_tr, y_tr)
    _write_ucr(d / "BEATS_TEST.tsv", x_te, y_te)
    return d


def test_ucr_files_keep_the_official_split_and_index_labels(ucr):
    ds = load_dataset(ucr / "BEATS_TRAIN.tsv", val_fraction=0.1)
    assert ds.kind == "series" and ds.sample_shape == (1, 64)
    assert len(ds.x_train) + len(ds.x_val) == 132 and len(ds.x_test) == 120
    assert ds.class_names == ["1", "2"] and set(np.unique(ds.y_test)) == {0, 1}
    assert ds.scaler.kind == "global" and abs(float(ds.x_train.mean())) < 0.05
    assert load_dataset(ucr).x_test.shape == (120, 1, 64)  # the folder holding the pair
    assert ds.column_names()[:2] == ["t0", "t1"]
    # applying a model to the file (no split): every series, the train file's first
    every = load_dataset(ucr / "BEATS_TRAIN.tsv", val_fraction=0.0, test_fraction=0.0)
    assert len(every.x_train) == 252


def test_ragged_or_non_numeric_series_are_refused_naming_the_line(tmp_path, ucr):
    bad = tmp_path / "R_TRAIN.tsv"
    bad.write_text("1\t0.1\t0.2\t0.3\n2\t0.1\t0.2\n")
    with pytest.raises(AekitError, match="line 2 has 2 values, the first line 3"):
        load_dataset(bad)
    bad.write_text("1\t0.1\t0.2\t0.3\n2\t0.1\tx\t0.3\n")
    with pytest.raises(AekitError, match="line 2: 'x' is not a number"):
        load_dataset(bad)
    with pytest.raises(AekitError, match="--label-column applies to tables and text"):
        load_dataset(ucr / "BEATS_TRAIN.tsv", label_column="0")


@pytest.mark.parametrize("name", ["conv", "conv-vae", "aae"])
@pytest.mark.parametrize("shape", [(1, 50), (8, 13)])
def test_conv_families_take_signals_with_1d_convs(name, shape):
    m = build_model(name, seed=0, input_shape=shape, output="linear", latent=4, channels=(8, 16))
    assert any(isinstance(mod, torch.nn.Conv1d) for mod in m.modules())
    assert not any(isinstance(mod, torch.nn.Conv2d) for mod in m.modules())
    x = torch.randn(5, *shape)
    assert m(x).shape == x.shape and m.encode(x).shape == (5, 4)
    assert torch.isfinite(m.loss(x)["loss"])


def test_detect_fit_on_series_separates_anomalous_beats(ucr, tmp_path, capsys):
    out = tmp_path / "det"
    code, text_out, err = run(capsys, "detect", "fit", ucr / "BEATS_TRAIN.tsv", "--normal-class",
                              "1", "--normal-only", "--epochs", "40", "--out", out, "--no-progress")  # fmt: skip
    assert code == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert s["kind"] == "series" and s["n_fit"] == 120 and s["detector"]["model"] == "conv"
    assert s["test"]["n_anomalies"] == 40 and s["test"]["roc_auc"] > 0.95
    page = (out / "report.html").read_text()
    assert "test series of each class and their reconstructions" in page and "normal (1)" in page
    code, _, err = run(capsys, "detect", "score", out, ucr / "BEATS_TEST.tsv", "--out",
                       tmp_path / "scored.csv")  # fmt: skip
    assert code == 0, err
    import pandas as pd

    scored = pd.read_csv(tmp_path / "scored.csv")
    assert len(scored) == 120 and list(scored.columns[:5]) == [
        "row",
        "label",
        "score",
        "is_anomaly",
        "confidence",
    ]
    assert scored["confidence"].between(0, 1).all()
    by_label = scored.groupby("label")["score"].mean()
    assert by_label[2] > 3 * by_label[1] and scored["top_1"].str.startswith("t").all()
    code, _, err = run(capsys, "detect", "fit", ucr / "BEATS_TRAIN.tsv", "--normal-class", "7",
                       "--out", tmp_path / "e")  # fmt: skip
    assert code == 2 and "no class '7'; classes are: 1, 2" in err and err.count("\n") == 1


def test_detector_reads_flat_rows_as_signals_and_saves_its_shape(tmp_path):
    rng = np.random.default_rng(0)
    x = _beats(100, rng)
    det = AnomalyDetector(model="conv", input_shape=(1, 64), scaling="global", hidden=None,
                          latent=4, epochs=5, batch_size=32).fit(x)  # fmt: skip
    assert det.model_.input_shape == (1, 64) and det.scaler_.kind == "global"
    det.save(tmp_path / "d")
    again = AnomalyDetector.load(tmp_path / "d")
    assert again.input_shape == (1, 64)
    np.testing.assert_allclose(again.decision_function(x[:7]), det.decision_function(x[:7]))
    with pytest.raises(ValueError, match=r"input_shape \(1, 50\) does not hold rows of 64"):
        AnomalyDetector(model="conv", input_shape=(1, 50), hidden=None).fit(x)


def test_train_on_series_writes_signal_figures(ucr, tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", ucr / "BEATS_TRAIN.tsv", "--model", "conv", "--latent",
                       "4", "--epochs", "2", "--out", out, "--no-progress")  # fmt: skip
    assert code == 0, err
    info = json.loads((out / "model.json").read_text())
    assert info["data"]["kind"] == "series" and info["data"]["features"]["length"] == 64
    assert (out / "reconstructions.png").is_file()
    assert "test series and their reconstructions" in (out / "report.html").read_text()
    code, _, err = run(capsys, "embed", out, ucr / "BEATS_TEST.tsv", "--map", "pca", "--out",
                       tmp_path / "emb")  # fmt: skip
    assert code == 0, err
    code, _, err = run(capsys, "compress", out, ucr / "BEATS_TEST.tsv", "--out", tmp_path / "c")
    assert code == 2 and "works on images; this data holds signals (series or audio)" in err


# -- audio ----------------------------------------------------------------------------------
def _write_wav(path: Path, x: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    """FSDD-style names: {label}_{speaker}_{index}.wav; label 0 a 500 Hz tone, 1 a 1500 Hz one."""
    d = tmp_path_factory.mktemp("tones")
    rng = np.random.default_rng(0)
    t = np.arange(4000) / 8000
    for label, f in ((0, 500.0), (1, 1500.0)):
        for speaker in ("ann", "bob"):
            for i in range(8):
                x = 0.5 * np.sin(2 * np.pi * f * (1 + rng.normal(0, 0.01)) * t)
                _write_wav(d / f"{label}_{speaker}_{i}.wav", x + rng.normal(0, 0.01, len(t)), 8000)
    return d


def test_wav_folder_as_log_mel_with_the_fsdd_split(tones):
    ds = load_dataset(tones, val_fraction=0.0)
    assert ds.kind == "audio" and ds.sample_shape == (40, 63)  # 1 s at 8 kHz, hop 128
    assert len(ds.x_train) == 12 and len(ds.x_test) == 20  # indices 0-4 of each: the test set
    assert ds.class_names == ["0", "1"] and ds.features["sample_rate"] == 8000
    wave_ds = load_dataset(tones, audio_features="waveform", clip_seconds=0.25)
    assert wave_ds.sample_shape == (1, 2000)
    with pytest.raises(AekitError, match="--clip-seconds must be > 0, got -1"):
        load_dataset(tones, clip_seconds=-1)


def test_train_and_evaluate_on_spectrograms(tones, tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", tones, "--model", "conv", "--channels", "16,16",
                       "--latent", "4", "--epochs", "2", "--out", out, "--no-progress")  # fmt: skip
    assert code == 0, err
    info = json.loads((out / "model.json").read_text())
    assert info["data"]["features"]["type"] == "audio" and info["config"]["input_shape"] == [40, 63]
    assert "test spectrograms and their reconstructions" in (out / "report.html").read_text()
    code, text_out, err = run(capsys, "evaluate", out, "--json")
    assert code == 0, err
    assert json.loads(text_out)["n"] == 20


def test_snr_noise_has_the_asked_signal_to_noise_ratio_per_sample():
    from aekit.regularizers import Noise

    torch.manual_seed(0)
    x = torch.randn(6, 1, 20000) * torch.tensor([0.01, 0.1, 1.0, 3.0, 10.0, 100.0]).view(6, 1, 1)
    for db in (-3.0, 5.0, 20.0):
        noise = Noise.parse(f"snr:{db}")(x) - x
        snr = 10 * torch.log10(x.pow(2).mean((1, 2)) / noise.pow(2).mean((1, 2)))
        torch.testing.assert_close(snr, torch.full((6,), db), atol=0.1, rtol=0)
    m = build_model("conv", input_shape=(1, 64), output="linear", latent=4, noise="snr:5")
    assert str(m.noise) == "snr:5"


def test_snr_noise_leaves_zero_padding_silent_and_measures_the_signal_part():
    from aekit.metrics import snr
    from aekit.regularizers import Noise

    torch.manual_seed(0)
    x = torch.zeros(4, 1, 40000)
    x[:, :, :20000] = torch.randn(4, 1, 20000)  # half signal, half padding
    noisy = Noise.parse("snr:5")(x)
    assert torch.all(noisy[:, :, 20000:] == 0)  # the padding gets no noise
    assert abs(snr(noisy, x) - 5.0) < 0.1  # 5 dB over the signal part, not over the whole clip
    # error in the padding is not counted: 20 dB over the signal part (17 over the whole clip)
    assert abs(snr(x + 0.1 * torch.randn_like(x), x) - 20.0) < 0.1
    assert snr(x, x) > 100


def test_waveforms_are_scaled_without_a_shift_so_padding_stays_zero(tones):
    ds = load_dataset(tones, audio_features="waveform", val_fraction=0.0)
    assert ds.scaler.kind == "rms" and float(ds.scaler.mean) == 0.0
    assert np.all(ds.x_train[:, :, 4000:] == 0)  # clips of 0.5 s, padded to 1 s
    assert abs(float(np.sqrt(np.mean(ds.x_train**2))) - 1.0) < 1e-3


def test_spectral_model_passes_the_input_through_when_every_gain_is_one():
    m = build_model("spectral", input_shape=(1, 2000), output="linear", latent=4,
                    channels=(16, 16), seed=0)  # fmt: skip
    assert m.code_channels == 4 and m.latent == 4 * 16  # 32 frames of hop 64, strided once
    x = torch.randn(3, 1, 2000)
    assert m.encode(x).shape == (3, m.latent)
    g = m.gains(x)
    assert g.shape == (3, 129, 32) and bool((g >= 0).all() and (g <= 1).all())
    with torch.no_grad():
        m.decoder[-1].bias.fill_(30.0)  # sigmoid(30) = 1: the inverse STFT of the input's STFT
        m.decoder[-1].weight.zero_()
        torch.testing.assert_close(m(x), x, atol=1e-4, rtol=0)
    with pytest.raises(AekitError, match="cannot decode codes"):
        m.decode(torch.zeros(1, m.latent))
    with pytest.raises(AekitError, match="audio-features waveform"):
        build_model("spectral", input_shape=(40, 63), output="linear")


def test_spectral_model_trains_and_saves_exactly(tones, tmp_path):
    from aekit import TrainConfig, fit
    from aekit.checkpoint import load, save_model

    ds = load_dataset(tones, audio_features="waveform", clip_seconds=0.5, val_fraction=0.0)
    m = build_model("spectral", input_shape=ds.sample_shape, output="linear", latent=4,
                    channels=(16, 16), noise="snr:5", seed=0)  # fmt: skip
    x = torch.from_numpy(ds.x_test)
    torch.manual_seed(1)
    with torch.no_grad():  # train mode: the same snr:5 noise both times
        before = float(m.train().loss(x)["loss"])
    fit(m, ds, TrainConfig(epochs=30, batch_size=4, lr=1e-3, progress=False, seed=0))
    torch.manual_seed(1)
    with torch.no_grad():
        after = float(m.train().loss(x)["loss"])
    assert after < before - 3, (before, after)  # mean 10 log10 MSE: 3 dB closer to the clean
    m.eval()
    save_model(tmp_path, m, scaler=ds.scaler, data=ds.describe())
    ck = load(tmp_path)
    with torch.no_grad():
        assert torch.equal(m(x), ck.model(x)) and torch.equal(m.encode(x), ck.model.encode(x))
    assert ck.scaler.to_dict() == {"kind": "rms", "mean": 0.0, "std": float(ds.scaler.std)}


def test_denoise_audio_beats_wiener_and_writes_wav_files(tones, tmp_path, capsys):
    run_dir, out = tmp_path / "run", tmp_path / "den"
    # 12 training clips: one step per epoch, so more epochs and a higher lr than the default
    code, _, err = run(capsys, "train", tones, "--audio-features", "waveform", "--model",
                       "spectral", "--channels", "32,32", "--latent", "8", "--noise", "snr:5",
                       "--epochs", "60", "--lr", "1e-3", "--out", run_dir,
                       "--no-progress")  # fmt: skip
    assert code == 0, err
    assert "test spectrograms and their reconstructions" in (run_dir / "report.html").read_text()
    code, text_out, err = run(capsys, "denoise", run_dir, "--out", out, "--no-progress")
    assert code == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert s["noise"] == "snr:5" and s["signals"] == 20  # the run's own noise and test split
    assert abs(s["snr_noisy"] - 5.0) < 0.3
    assert s["snr_denoised"] > s["snr_noisy"] + 3
    assert s["snr_denoised"] > max(s["baselines"].values()) + 1
    assert set(s["baselines"]) == {"wiener", "wiener-tuned"}
    assert s["baselines"]["wiener-tuned"] >= s["baselines"]["wiener"]
    den = np.load(out / "denoised.npy")
    assert (
        den.shape == (20, 1, 8000) and np.abs(den[:, :, 4400:]).max() < 1e-3
    )  # silence stays silent
    x, rate = audio.read_wav(out / "wav" / "000_denoised.wav")
    assert rate == 8000 and len(x) == 8000
    np.testing.assert_allclose(x, den[0, 0], atol=1 / 16000)  # the clip in the data's units
    assert (out / "denoise.png").stat().st_size > 10_000 and s["wav_files"] == 25
    # a folder of noisy recordings (--noise none): each comes back as a WAV file of its name
    rng = np.random.default_rng(1)
    clean, noisy_dir = {}, tmp_path / "noisy"
    for f in sorted(tones.glob("*_0.wav")):  # four clips, in a sub-folder of their speaker
        x, rate = audio.read_wav(f)
        (noisy_dir / f.stem.split("_")[1]).mkdir(parents=True, exist_ok=True)
        name = f"{f.stem.split('_')[1]}/{f.name}"
        clean[name] = x
        noise = rng.normal(0, 1, len(x)) * np.sqrt(np.mean(x**2) / 10**0.5)  # 5 dB
        _write_wav(noisy_dir / name, x + noise, rate)
    code, _, err = run(capsys, "denoise", run_dir, noisy_dir, "--noise", "none", "--out",
                       tmp_path / "den2")  # fmt: skip
    assert code == 0, err
    assert json.loads((tmp_path / "den2" / "summary.json").read_text())["files"] == "denoised/"
    written = sorted(p.relative_to(tmp_path / "den2" / "denoised").as_posix()
                     for p in (tmp_path / "den2" / "denoised").rglob("*.wav"))  # fmt: skip
    assert written == sorted(clean)
    den = np.load(tmp_path / "den2" / "denoised.npy")
    for i, name in enumerate(sorted(clean)):  # in input order, as denoised.npy holds them
        y, rate = audio.read_wav(tmp_path / "den2" / "denoised" / name)
        assert rate == 8000 and len(y) == 8000
        np.testing.assert_allclose(y, den[i, 0], atol=1 / 16000)
        x = clean[name]
        noisy, _ = audio.read_wav(noisy_dir / name)
        gain = 10 * np.log10(np.sum((noisy - x) ** 2) / np.sum((y[: len(x)] - x) ** 2))
        assert gain > 3, (name, gain)  # the files are the model's denoised clips


def test_denoise_refuses_spectrogram_and_text_runs_in_one_line(tones, tmp_path, capsys):
    run_dir = tmp_path / "logmel"
    code, _, err = run(capsys, "train", tones, "--model", "conv", "--channels", "8",
                       "--latent", "2", "--epochs", "1", "--out", run_dir, "--no-progress")  # fmt: skip
    assert code == 0, err
    code, _, err = run(capsys, "denoise", run_dir, "--out", tmp_path / "d")
    assert code == 2 and "cannot be turned back into sound" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "d").exists()
    from types import SimpleNamespace

    from aekit.tasks.denoise import check_denoisable_run

    with pytest.raises(AekitError, match="this run holds text"):  # the check reads the run's data
        check_denoisable_run(SimpleNamespace(data={"kind": "text", "features": {"type": "text"}}))


def test_denoise_series_with_a_conv_autoencoder(ucr, tmp_path, capsys):
    run_dir, out = tmp_path / "run", tmp_path / "den"
    code, _, err = run(capsys, "train", ucr / "BEATS_TRAIN.tsv", "--model", "conv", "--latent",
                       "16", "--noise", "snr:5", "--epochs", "30", "--out", run_dir,
                       "--no-progress")  # fmt: skip
    assert code == 0, err
    code, _, err = run(capsys, "denoise", run_dir, "--out", out, "--baselines", "wiener")
    assert code == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert s["signals"] == 120 and list(s["baselines"]) == ["wiener"]
    assert s["snr_denoised"] > s["snr_noisy"] + 2
    assert not (out / "wav").exists()  # WAV files only for audio
    code, _, err = run(capsys, "denoise", run_dir, "--out", out, "--baselines", "bm3d")
    assert code == 2 and "for images" in err


def test_mel_filterbank_and_a_tone_land_in_the_right_band():
    fb = audio.mel_filterbank(8000, 256, 40)
    df = 8000 / 256
    np.testing.assert_allclose(fb.sum(1) * df, 1.0, rtol=0.1)  # unit area (sampled every df Hz)
    t = np.arange(8000) / 8000
    for f in (300.0, 1000.0, 3000.0):
        spec = audio.log_mel(np.sin(2 * np.pi * f * t)[None], 8000, 256, 128, 40)[0]
        centres = np.argmax(fb, axis=1) * df
        assert abs(centres[spec.mean(1).argmax()] - f) < 0.15 * f


def test_sample_rate_mismatch_is_one_line_unless_resampled(tmp_path, capsys):
    d = tmp_path / "mixed"
    d.mkdir()
    t = np.arange(8000) / 8000
    _write_wav(d / "0_a_0.wav", np.sin(2 * np.pi * 440 * t), 8000)
    _write_wav(d / "1_a_0.wav", np.sin(2 * np.pi * 440 * np.arange(16000) / 16000), 16000)
    code, _, err = run(capsys, "train", d, "--out", tmp_path / "r")
    assert code == 2 and err.count("\n") == 1
    assert "sample rate 16000 Hz, but 8000 Hz is expected (pass --resample 8000" in err
    ds = load_dataset(d, resample=8000, val_fraction=0.0, test_fraction=0.0)
    assert ds.x_train.shape[0] == 2
    assert ds.features["sample_rate"] == 8000


# -- text -----------------------------------------------------------------------------------
TOPICS = {
    "sport": "match goal team coach league season player score win referee",
    "money": "bank market stock price profit shares investor trade economy rate",
}


def _docs(n: int, rng) -> tuple[list[str], list[str]]:
    docs, labels = [], []
    for i in range(n):
        topic = "sport" if i % 2 == 0 else "money"
        words = TOPICS[topic].split()
        docs.append(" ".join(rng.choice(words, 8)))
        labels.append(topic)
    return docs, labels


def test_tfidf_matches_scikit_learn_and_survives_json():
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = np.random.default_rng(0)
    train, _ = _docs(40, rng)
    new = ["goal goal bank unknownword", "the market and the match", ""]
    feats = text.TextFeatures.fit(np.array(train, dtype=object), max_features=12)
    ref = TfidfVectorizer(max_features=12, min_df=2, sublinear_tf=True).fit(train)
    np.testing.assert_allclose(feats.transform(np.array(new, dtype=object)),
                               ref.transform(new).toarray(), atol=1e-6)  # fmt: skip
    again = text.TextFeatures.from_dict(json.loads(json.dumps(feats.to_dict())))
    np.testing.assert_array_equal(again.transform(np.array(new, dtype=object)),
                                  feats.transform(np.array(new, dtype=object)))  # fmt: skip


def test_multinomial_loss_is_the_cross_entropy_of_the_word_distribution():
    m = build_model("mlp", input_shape=(5,), latent=2, hidden=[], output="softmax",
                    recon_loss="multinomial")  # fmt: skip
    x = torch.tensor([[0.0, 1.0, 1.0, 2.0, 0.0], [3.0, 0.0, 0.0, 0.0, 1.0]])
    p = x / x.sum(1, keepdim=True)
    logits = torch.log(p.clamp_min(1e-30))  # the softmax of these is p itself
    entropy = -(p * torch.log(p.clamp_min(1e-30))).sum(1).mean()
    torch.testing.assert_close(m.reconstruction_loss(logits, x), entropy)
    out = m._out_act(torch.randn(4, 5))
    assert (out >= 0).all()
    torch.testing.assert_close(out.norm(dim=1), torch.ones(4))  # unit L2 rows, like TF-IDF
    with pytest.raises(AekitError, match="needs non-negative inputs"):
        m.reconstruction_loss(logits, -x)
    with pytest.raises(AekitError, match="'multinomial' needs output 'softmax'"):
        build_model("mlp", input_shape=(5,), latent=2, recon_loss="multinomial", output="linear")
    # multinomial-binary: the words present, each alike, whatever their weights
    b = build_model("mlp", input_shape=(5,), latent=2, hidden=[], output="softmax",
                    recon_loss="multinomial-binary")  # fmt: skip
    q = (x > 0).float() / (x > 0).sum(1, keepdim=True)
    logits_q = torch.log(q.clamp_min(1e-30))
    torch.testing.assert_close(b.reconstruction_loss(logits_q, x), -(q * torch.log(
        q.clamp_min(1e-30))).sum(1).mean())  # fmt: skip
    assert b.reconstruction_loss(logits_q, x) < b.reconstruction_loss(logits, x)  # not p's
    assert m.reconstruction_loss(logits_q, x) > m.reconstruction_loss(logits, x)
    from aekit.runs import default_output

    assert default_output("text", "multinomial-binary") == "softmax"  # what `train` picks
    with pytest.raises(AekitError, match="'multinomial-binary' needs output 'softmax'"):
        build_model("mlp", input_shape=(5,), latent=2, recon_loss="multinomial-binary",
                    output="linear")  # fmt: skip


def test_text_files_by_name_or_position_with_quoting_off_for_tabs(tmp_path):
    rng = np.random.default_rng(0)
    docs, labels = _docs(60, rng)
    docs[3] = 'a "quote that never closes ' + docs[3]
    tsv = tmp_path / "messages"  # no suffix, tab-separated, no header: like SMSSpamCollection
    tsv.write_text("".join(f"{lab}\t{d}\n" for lab, d in zip(labels, docs)))
    ds = load_dataset(tsv, text_column="1", label_column="0")
    assert ds.kind == "text" and ds.class_names == ["money", "sport"]
    splits = (ds.x_train, ds.x_val, ds.x_test)
    assert sum(x.shape[0] for x in splits) == 60  # the quote merged nothing
    assert ds.documents is not None and len(ds.documents["test"]) == ds.x_test.shape[0]
    assert ds.scaler.kind == "identity"
    # TF-IDF rows stay sparse: CSR float32, each row of unit length
    assert all(scipy.sparse.isspmatrix_csr(x) and x.dtype == np.float32 for x in splits)
    np.testing.assert_allclose(np.linalg.norm(ds.x_train.toarray(), axis=1), 1.0, atol=1e-5)
    csv_file = tmp_path / "news.csv"
    csv_file.write_text("topic,title,body\n" + "".join(
        f'{lab},"{d.split()[0]}","{d}"\n' for lab, d in zip(labels, docs)))  # fmt: skip
    ds2 = load_dataset(csv_file, text_column="title,body", label_column="topic")
    assert ds2.x_train.shape[1] == len(ds2.features["vocabulary"])
    with pytest.raises(AekitError, match="no column 'nope'"):
        load_dataset(csv_file, text_column="nope")
    with pytest.raises(AekitError, match="give --label-column by position too"):
        load_dataset(tsv, text_column="1", label_column="topic")


def test_empty_text_column_and_short_rows_are_one_line(tmp_path, capsys):
    f = tmp_path / "empty.tsv"
    f.write_text("a\t\nb\t \n")
    code, _, err = run(capsys, "train", f, "--text-column", "1", "--out", tmp_path / "r")
    assert code == 2 and "the text column '1' is empty" in err and err.count("\n") == 1
    f.write_text("a\tsome words here\nb\n")
    code, _, err = run(capsys, "train", f, "--text-column", "1", "--out", tmp_path / "r")
    assert code == 2 and "line 2 has 1 field(s); need at least 2" in err


def test_text_run_keeps_its_vocabulary_for_new_documents(tmp_path, capsys):
    rng = np.random.default_rng(1)
    docs, labels = _docs(200, rng)
    f = tmp_path / "train.tsv"
    f.write_text("".join(f"{lab}\t{d}\n" for lab, d in zip(labels, docs)))
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", f, "--text-column", "1", "--label-column", "0",
                       "--model", "mlp", "--hidden", "32", "--latent", "2", "--epochs", "3",
                       "--recon-loss", "multinomial", "--out", out, "--no-progress")  # fmt: skip
    assert code == 0, err
    info = json.loads((out / "model.json").read_text())
    assert info["config"]["output"] == "softmax"  # chosen for the multinomial loss
    vocab = info["data"]["features"]["vocabulary"]
    assert sorted(vocab) == sorted(set(" ".join(TOPICS.values()).split()))
    page = (out / "report.html").read_text()
    assert "Nearest neighbours" in page and "nearest training documents" in page
    assert "per-word test reconstruction error (TF-IDF weights)" in page
    # new documents with words never seen: read through the saved vocabulary, not refitted
    from aekit.tasks.common import evaluation_data, load_run

    new = tmp_path / "new.tsv"
    extra, extra_labels = _docs(30, np.random.default_rng(5))
    new.write_text("".join(f"{lab}\t{d} zebra xylophone\n" for lab, d in zip(extra_labels, extra)))
    ds = evaluation_data(load_run(out), new)
    assert ds.features["vocabulary"] == vocab and ds.x_test.shape[1] == len(vocab)
    code, _, err = run(capsys, "embed", out, new, "--map", "pca", "--out", tmp_path / "emb")
    assert code == 0, err
    tiny = tmp_path / "tiny.tsv"
    tiny.write_text("sport\tgoal match\n")
    code, _, err = run(capsys, "embed", out, tiny, "--map", "pca", "--out", tmp_path / "e2")
    assert code == 2 and "a map needs at least 3" in err


def test_encode_writes_every_documents_code_in_file_order(tmp_path, capsys):
    """`aekit encode` on text: one row per document of the file, in order, with its label, its
    text and its code, which is the model's code of the document's TF-IDF row; the two topics'
    codes lie apart. Sparse rows are encoded without densifying the file."""
    import pandas as pd

    from aekit import load
    from aekit.data.text import TextFeatures
    from aekit.metrics import encode

    rng = np.random.default_rng(3)
    docs, labels = _docs(300, rng)
    f = tmp_path / "news.tsv"
    f.write_text("".join(f"{lab}\t{d}\n" for lab, d in zip(labels, docs)))
    out = tmp_path / "r"
    assert run(capsys, "train", f, "--text-column", "1", "--label-column", "0", "--latent", "4",
               "--hidden", "16", "--epochs", "15", "--out", out, "--no-progress",
               "--no-report")[0] == 0  # fmt: skip
    code, text_out, err = run(capsys, "encode", out, f, "--out", tmp_path / "codes.csv")
    assert code == 0, err
    assert text_out.startswith("300 samples encoded to 4-d codes")
    df = pd.read_csv(tmp_path / "codes.csv")
    assert df.columns.tolist() == ["row", "label", "text", "z0", "z1", "z2", "z3"]
    assert df["text"].tolist() == docs and df["label"].tolist() == labels
    ck = load(out)
    feats = TextFeatures.from_dict(ck.data["features"])
    want = encode(ck.model, feats.transform(np.array(docs, dtype=object)))
    np.testing.assert_allclose(df[["z0", "z1", "z2", "z3"]].to_numpy(), want, atol=1e-5)
    z = df[["z0", "z1", "z2", "z3"]].to_numpy()
    sport, money = z[df["label"] == "sport"].mean(0), z[df["label"] == "money"].mean(0)
    spread = np.linalg.norm(z - np.where((df["label"] == "sport").to_numpy()[:, None], sport,
                                         money), axis=1).mean()  # fmt: skip
    assert np.linalg.norm(sport - money) > 2 * spread


def test_detect_fit_on_text_flags_the_other_topic(tmp_path, capsys):
    rng = np.random.default_rng(2)
    docs, labels = _docs(1800, rng)  # more training rows than a batch of encode (1,024)
    labels = ["ham" if lab == "sport" else "spam" for lab in labels]
    keep = [i for i, lab in enumerate(labels) if lab == "ham" or i % 10 == 1]  # spam is rare
    f = tmp_path / "sms"
    f.write_text("".join(f"{labels[i]}\t{docs[i]}\n" for i in keep))
    out = tmp_path / "det"
    code, _, err = run(capsys, "detect", "fit", f, "--text-column", "1", "--label-column", "0",
                       "--normal-class", "ham", "--normal-only", "--epochs", "10", "--hidden",
                       "32", "--latent", "4", "--out", out, "--no-progress")  # fmt: skip
    assert code == 0, err
    s = json.loads((out / "summary.json").read_text())
    assert s["kind"] == "text" and s["test"]["roc_auc"] > 0.95
    assert s["detector"]["scaling"] == "identity"
    new = tmp_path / "new.tsv"
    new.write_text("ham\tgoal match team zebra\nspam\tbank market stock price\n")
    code, _, err = run(capsys, "detect", "score", out, new, "--out", tmp_path / "s.csv")
    assert code == 0, err
    import pandas as pd

    scored = pd.read_csv(tmp_path / "s.csv")
    assert scored["text"].tolist()[0] == "goal match team zebra"
    assert scored["score"][1] > scored["score"][0] and scored["top_1"][1] in TOPICS["money"]


# -- the real data sets ---------------------------------------------------------------------
@needs_shared
def test_real_ecg5000_fsdd_sms_and_ag_news_load_as_published():
    ecg = load_dataset(ECG, val_fraction=0.0)
    assert ecg.x_train.shape == (500, 1, 140) and ecg.x_test.shape == (4500, 1, 140)
    assert np.bincount(ecg.y_test).tolist() == [2627, 1590, 86, 175, 22]
    sms = text.read_text(SMS, "1", "0")
    assert len(sms[0]) == 5574 and sms[2] == ["ham", "spam"] and int(sms[1].sum()) == 747
    ag = text.read_text(AG, "1,2", "0")
    assert len(ag[0]) == 7600 and np.bincount(ag[1]).tolist() == [1900] * 4


@needs_shared
@pytest.mark.skipif(not FSDD.is_dir(), reason="no FSDD recordings")
def test_real_fsdd_official_split():
    ds = load_dataset(FSDD, val_fraction=0.0)
    assert len(ds.x_train) == 2700 and len(ds.x_test) == 300
    assert np.bincount(ds.y_test).tolist() == [30] * 10
    assert ds.sample_shape == (40, 63)


def test_read_wav_takes_every_pcm_width_and_float_files(tmp_path):
    from scipy.io import wavfile

    x = 0.5 * np.sin(2 * np.pi * 440 * np.arange(800) / 8000)
    files = {
        "u8": ((x + 1) * 127.5).round().astype(np.uint8),
        "i16": (x * 32767).round().astype("<i2"),
        "i32": (x * 2147483647).round().astype("<i4"),
        "f32": x.astype(np.float32),  # IEEE float (format 3), which the wave module refuses
        "f64_stereo": np.stack([x, x], axis=1),
    }
    for name, data in files.items():
        wavfile.write(tmp_path / f"{name}.wav", 8000, data)
    v = np.round(x * (1 << 23)).astype(np.int64) % (1 << 24)  # 24-bit PCM, little-endian bytes
    with wave.open(str(tmp_path / "i24.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(3)
        w.setframerate(8000)
        w.writeframes(np.stack([v & 255, (v >> 8) & 255, v >> 16], 1).astype(np.uint8).tobytes())
    for name in [*files, "i24"]:
        y, rate = audio.read_wav(tmp_path / f"{name}.wav")
        assert rate == 8000 and y.dtype == np.float32 and y.shape == (800,), name
        assert np.abs(y - x).max() < (0.01 if name == "u8" else 1e-4), name
    (tmp_path / "junk.wav").write_bytes(b"RIFF\x04\x00\x00\x00WAVE")
    with pytest.raises(AekitError, match="not a readable PCM or float WAV file"):
        audio.read_wav(tmp_path / "junk.wav")


def test_detect_fit_with_an_empty_split(tones, tmp_path):
    """A split with no rows (here validation) was a numpy error: reshape(0, -1)."""
    from aekit.tasks.detect import detect_fit

    s = detect_fit(tones, tmp_path / "det", normal_class="0", seed=0,
                   detector_options={"epochs": 1, "verbose": False},
                   data_options={"val_fraction": 0.0})  # fmt: skip
    assert s["n_fit"] == 12 and s["test"]["n"] == 20


# -- generate: samples, interpolations and traversals that fit the data --------------------
def _generated(capsys, run_dir: Path, out: Path, *extra) -> dict:
    code, _, err = run(capsys, "generate", run_dir, "--n", "12", "--out", out, *extra)
    assert code == 0, err
    return json.loads((out / "summary.json").read_text())


def test_generate_series_in_the_data_units_with_line_plots(ucr, tmp_path, capsys):
    from aekit.checkpoint import load
    from aekit.tasks import generate as gen

    run_dir, out = tmp_path / "run", tmp_path / "gen"
    code, _, err = run(capsys, "train", ucr / "BEATS_TRAIN.tsv", "--model", "conv-vae",
                       "--latent", "4", "--epochs", "2", "--out", run_dir, "--no-progress",
                       "--no-report")  # fmt: skip
    assert code == 0, err
    s = _generated(capsys, run_dir, out, "--interpolate", "0", "1", "--traverse", "2")
    assert s["output"] == "signal"
    assert s["files"] == ["samples.npy", "samples.png", "interpolation.png", "traversal.png"]
    ck = load(run_dir)
    expected = ck.scaler.inverse_transform(gen.sample(ck.model, 12, seed=0))
    assert ck.scaler.kind == "global" and ck.scaler.std != 1.0  # so units differ from scaled
    np.testing.assert_allclose(np.load(out / "samples.npy"), expected, rtol=1e-5, atol=1e-5)
    assert all((out / f).stat().st_size > 3_000 for f in s["files"])
    code, _, err = run(capsys, "report", run_dir)
    assert code == 0, err
    page = (run_dir / "report.html").read_text()
    samples = page[page.index('<section id="samples">') :].split("</section>")[0]
    assert 'alt="samples from the prior"' in samples
    assert 'alt="interpolations between pairs of test inputs"' in samples
    assert "test samples, in the model&#x27;s scaled data; the floors" in page  # how judged
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test_generation_space"] == "data" and metrics["test_generated_n"] == 60
    assert metrics["test_frechet_distance"] > metrics["test_frechet_floor"]


def test_generate_audio_waveforms_as_wav_files_and_spectrograms_as_images(tones, tmp_path, capsys):
    run_dir = tmp_path / "wave"
    code, _, err = run(capsys, "train", tones, "--audio-features", "waveform", "--clip-seconds",
                       "0.25", "--model", "conv-vae", "--latent", "4", "--epochs", "1", "--out",
                       run_dir, "--no-progress", "--no-report")  # fmt: skip
    assert code == 0, err
    s = _generated(capsys, run_dir, tmp_path / "g1")
    samples = np.load(tmp_path / "g1" / "samples.npy")
    assert samples.shape == (12, 1, 2000) and "wav/" in s["files"]
    wavs = sorted((tmp_path / "g1" / "wav").glob("*.wav"))
    assert len(wavs) == 8
    x, rate = audio.read_wav(wavs[3])
    assert rate == 8000
    np.testing.assert_allclose(x, np.clip(samples[3, 0], -1, 1), atol=1 / 16000)
    run_dir = tmp_path / "mel"
    code, _, err = run(capsys, "train", tones, "--model", "conv-vae", "--channels", "8,8",
                       "--latent", "4", "--epochs", "1", "--out", run_dir, "--no-progress",
                       "--no-report")  # fmt: skip
    assert code == 0, err
    s = _generated(capsys, run_dir, tmp_path / "g2", "--interpolate", "0", "1")
    assert s["files"] == ["samples.npy", "samples.png", "interpolation.png"]  # no WAVs of mels
    assert np.load(tmp_path / "g2" / "samples.npy").shape == (12, 40, 63)


def test_generate_table_rows_as_csv_in_the_data_units(tmp_path, capsys):
    import csv

    rng = np.random.default_rng(0)
    a = rng.normal(50, 10, 300)
    frame = np.stack([a, 2 * a + rng.normal(0, 1, 300), rng.exponential(3, 300)], 1)
    f = tmp_path / "t.csv"
    f.write_text("age,weight,wait\n" + "".join(",".join(f"{v:.4f}" for v in r) + "\n"
                                                for r in frame))  # fmt: skip
    run_dir, out = tmp_path / "run", tmp_path / "gen"
    code, _, err = run(capsys, "train", f, "--model", "vae", "--hidden", "16", "--latent", "2",
                       "--epochs", "30", "--out", run_dir, "--no-progress", "--no-report")  # fmt: skip
    assert code == 0, err
    s = _generated(capsys, run_dir, out, "--interpolate", "3", "7", "--traverse", "0")
    assert s["output"] == "table"
    assert s["files"] == ["samples.csv", "samples.png", "interpolation.csv", "interpolation.png",
                          "traversal.csv", "traversal.png"]  # fmt: skip
    with open(out / "samples.csv") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["sample", "age", "weight", "wait"] and len(rows) == 13
    values = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
    assert 20 < values[:, 0].mean() < 80  # years, not standardized units
    # the model learned weight ~ 2 x age: its samples keep the relation
    assert np.corrcoef(values[:, 0], values[:, 1])[0, 1] > 0.9
    from aekit.tasks.common import evaluation_data, load_run

    test_rows = evaluation_data(load_run(run_dir), None).x_test
    raw = load_run(run_dir).scaler.inverse_transform(test_rows[[3, 7]])
    with open(out / "interpolation.csv") as fh:
        path = list(csv.reader(fh))
    assert [r[0] for r in path[-2:]] == ["inputs A, B 0", "inputs A, B 1"] and len(path) == 13
    np.testing.assert_allclose([[float(v) for v in r[1:]] for r in path[-2:]], raw, rtol=1e-6)
    # --data: inputs are that file's rows in file order (here its first and last)
    s = _generated(capsys, run_dir, tmp_path / "g2", "--data", f, "--interpolate", "0", "299")
    with open(tmp_path / "g2" / "interpolation.csv") as fh:
        ends = [[float(v) for v in r[1:]] for r in list(csv.reader(fh))[-2:]]
    np.testing.assert_allclose(ends, frame[[0, 299]], atol=1e-3)  # the file holds 4 decimals
    code, _, err = run(capsys, "report", run_dir)
    assert code == 0, err
    page = (run_dir / "report.html").read_text()
    assert 'alt="samples from the prior"' in page.split('<section id="samples">')[1]


def test_generate_text_lists_the_heaviest_words(tmp_path, capsys):
    import csv

    rng = np.random.default_rng(1)
    docs, labels = _docs(200, rng)
    f = tmp_path / "train.tsv"
    f.write_text("".join(f"{lab}\t{d}\n" for lab, d in zip(labels, docs)))
    run_dir, out = tmp_path / "run", tmp_path / "gen"
    code, _, err = run(capsys, "train", f, "--text-column", "1", "--label-column", "0",
                       "--model", "vae", "--hidden", "32", "--latent", "2", "--epochs", "20",
                       "--out", run_dir, "--no-progress", "--no-report")  # fmt: skip
    assert code == 0, err
    s = _generated(capsys, run_dir, out, "--interpolate", "0", "1")
    assert s["output"] == "text" and s["files"] == ["samples.csv", "interpolation.csv"]
    with open(out / "samples.csv") as fh:
        samples = list(csv.reader(fh))[1:]
    vocab = set(" ".join(TOPICS.values()).split())
    assert len(samples) == 12 and all(len(r[1].split()) == 10 <= len(vocab) for r in samples)
    assert all(set(r[1].split()) <= vocab for r in samples)
    # the two input documents: exactly their own words (weight 0 words are left out)
    from aekit.tasks.common import evaluation_data, load_run

    ds = evaluation_data(load_run(run_dir), None)
    with open(out / "interpolation.csv") as fh:
        ends = list(csv.reader(fh))[-2:]
    for r, doc in zip(ends, ds.documents["test"][:2]):
        assert set(r[1].split()) == set(doc.split())
    code, _, err = run(capsys, "report", run_dir)
    assert code == 0, err
    page = (run_dir / "report.html").read_text()
    samples = page[page.index('<section id="samples">') :].split("</section>")[0]
    assert "the words each decoded sample weighs most" in samples
    assert samples.count("<tr><td>") == 8


def test_generate_refuses_a_model_that_cannot_decode_in_one_line(tones, tmp_path, capsys):
    run_dir = tmp_path / "spec"
    code, _, err = run(capsys, "train", tones, "--audio-features", "waveform", "--clip-seconds",
                       "0.25", "--model", "spectral", "--channels", "8,8", "--latent", "4",
                       "--epochs", "1", "--out", run_dir, "--no-progress", "--no-report")  # fmt: skip
    assert code == 0, err
    for extra in ([], ["--interpolate", "0", "1"]):
        code, _, err = run(capsys, "generate", run_dir, "--out", tmp_path / "g", *extra)
        assert code == 2 and "cannot decode codes alone" in err and len(err.splitlines()) == 1
        assert not (tmp_path / "g").exists()


def test_generate_from_a_run_fitted_on_a_bare_array(tmp_path):
    """fit() on an array records no data description: columns are named from the model."""
    from aekit import TrainConfig, fit, load
    from aekit.tasks.generate import generate_run

    x = np.random.default_rng(0).normal(size=(300, 5)).astype(np.float32)
    fit(build_model("vae", input_shape=(5,), latent=2), x, TrainConfig(epochs=1, progress=False),
        out_dir=tmp_path / "run")  # fmt: skip
    s = generate_run(load(tmp_path / "run"), tmp_path / "gen", n=5, data=x,
                     interpolate_pair=(0, 1))  # fmt: skip
    assert s["output"] == "table" and "samples.png" in s["files"]
    header = (tmp_path / "gen" / "samples.csv").read_text().splitlines()[0]
    assert header == "sample,x0,x1,x2,x3,x4"


def test_text_rows_stay_sparse_through_training_and_the_tasks(tmp_path, capsys, monkeypatch):
    """A text run's TF-IDF rows are CSR in the Dataset: training densifies batches only, never
    the training split; evaluate, finetune, sweep, detect fit/score and the report work on
    them (the test split is made dense where a task needs it)."""
    rng = np.random.default_rng(2)
    docs, labels = _docs(1800, rng)  # more training rows than a batch of encode (1,024)
    f = tmp_path / "train.tsv"
    f.write_text("".join(f"{lab}\t{d}\n" for lab, d in zip(labels, docs)))
    widest = []
    to_dense = scipy.sparse.csr_matrix.toarray
    monkeypatch.setattr(scipy.sparse.csr_matrix, "toarray",
                        lambda self, *a, **k: widest.append(self.shape[0]) or to_dense(self, *a, **k))  # fmt: skip
    run_dir = tmp_path / "run"
    code, _, err = run(capsys, "train", f, "--text-column", "1", "--label-column", "0",
                       "--model", "vae", "--hidden", "16", "--latent", "4", "--epochs", "2",
                       "--batch-size", "32", "--out", run_dir, "--no-progress")  # fmt: skip
    assert code == 0, err
    n = json.loads((run_dir / "model.json").read_text())["data"]
    assert (n["n_train"], n["n_val"], n["n_test"]) == (1296, 144, 360)
    # batches of 32 (training) and 1,024 (encoding), the 360 test rows; never the 1,296
    assert max(widest) == 1024 and widest.count(360) >= 1
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test_probe_accuracy"] > 0.75 and metrics["test_generation_space"].startswith(
        "data"
    )
    for argv in (["evaluate", run_dir, "--json"],
                 ["finetune", run_dir, "--labels", "20", "--epochs", "30", "--seeds", "0",
                  "--out", tmp_path / "ft", "--no-progress"],
                 ["detect", "fit", f, "--text-column", "1", "--label-column", "0",
                  "--normal-class", "sport", "--epochs", "2", "--out", tmp_path / "det",
                  "--no-progress"],
                 ["detect", "score", tmp_path / "det", f, "--out", tmp_path / "s.csv",
                  "--no-progress"]):  # fmt: skip
        code, _, err = run(capsys, *argv)
        assert code == 0, (argv[0], err)
    widest.clear()  # sweep: train and test MSE stream batch by batch too
    code, _, err = run(capsys, "sweep", f, "--text-column", "1", "--label-column", "0",
                       "--latents", "2", "--epochs", "1", "--out", tmp_path / "sw",
                       "--no-progress")  # fmt: skip
    assert code == 0, err
    assert max(widest) == 1024  # the 1,296 training rows only ever in batches
    s = json.loads((tmp_path / "ft" / "summary.json").read_text())
    assert s["accuracy"]["finetuned"] > 0.7 and s["test_samples"] == 360  # chance: 0.5
    det = json.loads((tmp_path / "det" / "summary.json").read_text())
    assert det["n_fit"] == 1440 and det["test"]["n"] == 360  # quality: the detect test above
    assert len((tmp_path / "s.csv").read_text().splitlines()) == 1801


def test_samples_read_from_a_wav_folder_are_named_by_their_file(tones, tmp_path, capsys):
    """encode, embed and detect score name each clip by its file: the names follow the samples
    through the official split, --limit and the file order, so each row's label is its file's."""
    ds = load_dataset(tones, val_fraction=0.0, limit=7)
    assert ds.files is not None and len(ds.files["train"]) == 7 and len(ds.files["test"]) == 20
    assert all(int(f.split("_")[2][:-4]) < 5 for f in ds.files["test"])  # FSDD's test split
    for split, y in (("train", ds.y_train), ("test", ds.y_test)):
        assert [f[0] for f in ds.files[split]] == [ds.class_names[int(c)] for c in y]
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", tones, "--model", "conv", "--channels", "8", "--latent",
                       "2", "--epochs", "1", "--out", out, "--no-progress", "--no-report")  # fmt: skip
    assert code == 0, err
    assert run(capsys, "encode", out, tones, "--out", tmp_path / "c.csv")[0] == 0
    codes = pd.read_csv(tmp_path / "c.csv", dtype={"label": str})
    assert list(codes.columns[:3]) == ["row", "file", "label"]
    assert codes["file"].tolist() == sorted(p.name for p in tones.glob("*.wav"))
    assert (codes["file"].str[0] == codes["label"]).all()
    assert run(capsys, "embed", out, "--map", "pca", "--out", tmp_path / "map")[0] == 0
    mapped = pd.read_csv(tmp_path / "map" / "map.csv", dtype={"label": str})
    assert len(mapped) == 20 and (mapped["file"].str[0] == mapped["label"]).all()
    assert all(int(f.split("_")[2][:-4]) < 5 for f in mapped["file"])
    code, _, err = run(capsys, "detect", "fit", tones, "--normal-class", "0", "--latent", "2",
                       "--epochs", "1", "--out", tmp_path / "det", "--no-progress")  # fmt: skip
    assert code == 0, err
    code, _, err = run(capsys, "detect", "score", tmp_path / "det", tones, "--out",
                       tmp_path / "s.csv")  # fmt: skip
    assert code == 0, err
    scored = pd.read_csv(tmp_path / "s.csv", dtype={"label": str})
    assert scored["file"].tolist() == codes["file"].tolist()
