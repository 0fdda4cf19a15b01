"""Anomaly detection: the PyOD-style estimator on data with a known structure, and the
`aekit detect fit/score` commands on real tables (ODDS breast cancer, credit-card fraud)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from aekit import AnomalyDetector
from aekit.cli import main
from aekit.confidence import confidence
from aekit.errors import AekitError
from aekit.tasks.detect import detection_metrics

SHARED = Path(__file__).parents[2] / "shared/data/anomaly"
BREASTW = SHARED / "4_breastw.npz"
CREDITCARD = SHARED / "creditcard_fraud_sample_1722.csv"
FAST = {"epochs": 20, "hidden": (32,), "latent": 3}


def subspace_data(n=600, n_anom=30, d=10, seed=0):
    """Normal rows lie near one 3-d plane in 10-d; anomalies lie off it (an honest synthetic
    case with a known answer: a 3-d code reconstructs the plane, not what lies off it)."""
    basis = np.random.default_rng(123).normal(size=(3, d))
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=(n, 3)) @ basis + 0.05 * rng.normal(size=(n, d))
    anom = rng.normal(size=(n_anom, 3)) @ basis + 2.0 * rng.normal(size=(n_anom, d))
    x = np.concatenate([normal, anom])
    y = np.r_[np.zeros(n, int), np.ones(n_anom, int)]
    return x, y


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_detector_finds_off_plane_rows_with_pyod_attributes():
    x, y = subspace_data()
    det = AnomalyDetector(contamination=0.05, **FAST).fit(x)
    assert roc_auc_score(y, det.decision_scores_) > 0.95
    assert det.labels_.mean() == pytest.approx(0.05, abs=0.01)
    assert ((det.decision_scores_ > det.threshold_).astype(int) == det.labels_).all()
    x_new, y_new = subspace_data(seed=1)
    s = det.decision_function(x_new)
    assert roc_auc_score(y_new, s) > 0.95
    assert (det.predict(x_new) == (s > det.threshold_)).all()
    for method in ("linear", "unify"):
        p = det.predict_proba(x_new, method=method)
        assert p.shape == (len(x_new), 2) and np.allclose(p.sum(1), 1.0)
        assert ((p >= 0) & (p <= 1)).all()
        order = np.argsort(s)
        assert (np.diff(p[order, 1]) >= -1e-12).all()  # monotone in the score
    with pytest.raises(ValueError, match="linear"):
        det.predict_proba(x_new, method="rank")


def test_confidence_and_rejection_as_pyod_gives_them(tmp_path):
    """ExCeeD confidences on known answers: a row scored below every training row, or above
    every one, is a sure call; a row at the threshold is a coin toss. They and the reject
    option match PyOD's own BaseDetector code run on this detector, where PyOD is installed;
    save/load keeps the training scores they need."""
    x, _ = subspace_data()
    det = AnomalyDetector(contamination=0.05, **FAST).fit(x)
    x_new, _ = subspace_data(seed=1)
    s = det.decision_function(x_new)
    calls, conf = det.predict(x_new, return_confidence=True)
    assert np.array_equal(calls, det.predict(x_new)) and conf.shape == (len(x_new),)
    assert ((conf >= 0) & (conf <= 1)).all()
    assert np.array_equal(conf, det.predict_confidence(x_new))
    assert np.array_equal(det.predict_proba(x_new, return_confidence=True)[1], conf)
    train = det.decision_scores_
    edge = np.array([train.min() - 1, train.max() + 1, det.threshold_])
    c = confidence(np.sort(train), edge, 0.05, det.threshold_)
    assert c[0] > 0.999 and c[1] > 0.999 and 0.3 < c[2] < 0.7
    near = np.abs(s - det.threshold_) < np.abs(s - det.threshold_).mean()
    assert conf[near].mean() < conf[~near].mean()  # least sure around the threshold
    rejected = det.predict_with_rejection(x_new, T=2)
    assert set(np.unique(rejected)) <= {-2, 0, 1} and (rejected == -2).any()
    kept = rejected != -2
    assert np.array_equal(rejected[kept], calls[kept]) and conf[~kept].max() < conf[kept].min()
    rate, upper, cost = det.compute_rejection_stats(T=2)
    assert 0 < rate <= upper and cost > 0
    loaded = AnomalyDetector.load(det.save(tmp_path / "det"))
    assert np.array_equal(loaded.decision_scores_, train)
    assert np.array_equal(loaded.labels_, det.labels_)
    assert np.array_equal(loaded.predict_confidence(x_new), conf)
    try:
        from pyod.models.base import BaseDetector
    except ImportError:
        return
    assert np.allclose(BaseDetector.predict_confidence(det, x_new), conf, rtol=0, atol=1e-12)
    theirs, stats = BaseDetector.predict_with_rejection(det, x_new, T=2, return_stats=True,
                                                        c_r=0.05)  # fmt: skip
    assert np.array_equal(theirs, rejected)
    assert np.allclose(stats, det.compute_rejection_stats(T=2))  # c_r: the contamination


def test_detector_trains_on_absolute_error_by_default_and_takes_mse():
    from aekit.tasks.detect import KIND_DEFAULTS

    x, _ = subspace_data(n=200, n_anom=10)
    det = AnomalyDetector(epochs=1, hidden=(8,), latent=3).fit(x)
    assert det.model_.recon_loss == "l1"
    logits, target = torch.tensor([[0.0, 2.0], [1.0, -1.0]]), torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    assert float(det.model_.reconstruction_loss(logits, target)) == pytest.approx(1.25)  # mean |.|
    mse = AnomalyDetector(epochs=1, hidden=(8,), latent=3, recon_loss="mse").fit(x)
    assert mse.model_.recon_loss == "mse"
    assert float(mse.model_.reconstruction_loss(logits, target)) == pytest.approx(1.75)
    assert clone(mse).get_params()["recon_loss"] == "mse"
    # signals and text keep the squared error their benchmarks measured
    assert {KIND_DEFAULTS[k]["recon_loss"] for k in ("series", "audio", "text")} == {"mse"}
    with pytest.raises(AekitError, match="recon_loss must be one of"):
        AnomalyDetector(epochs=1, recon_loss="l3").fit(x)


def test_detector_trims_by_default_and_takes_none():
    from aekit.tasks.detect import KIND_DEFAULTS

    x, _ = subspace_data(n=200, n_anom=10)
    assert AnomalyDetector(epochs=1, hidden=(8,), latent=3).fit(x).model_.trim == 3.0
    plain = AnomalyDetector(epochs=1, hidden=(8,), latent=3, trim=None).fit(x)
    assert plain.model_.trim is None and clone(plain).get_params()["trim"] is None
    two = AnomalyDetector(epochs=1, hidden=(8,), latent=3, trim=1.5, n_models=2).fit(x)
    assert [m.trim for m in two.model_.autoencoders] == [1.5, 1.5]  # every member trims
    # signals and text train on every row, as their benchmarks measured
    assert {KIND_DEFAULTS[k]["trim"] for k in ("series", "audio", "text")} == {None}
    with pytest.raises(AekitError, match="trim must be > 0"):
        AnomalyDetector(epochs=1, trim=-1.0).fit(x)


SHUTTLE = SHARED / "32_shuttle.npz"


@pytest.mark.skipif(not SHUTTLE.is_file(), reason=f"{SHUTTLE} not present")
def test_trim_keeps_a_contaminated_training_set_from_teaching_its_anomalies():
    """ODDS shuttle, fitted on a split that holds its anomalies (7%, unsupervised use): trained
    on every row the default detector learns to reconstruct them (bench/anomaly.py saw ROC-AUC
    0.78-0.90 over three seeds); with the batch fence it keeps them out (0.997-0.999)."""
    from sklearn.model_selection import train_test_split

    with np.load(SHUTTLE, allow_pickle=False) as z:
        x, y = z["X"].astype(np.float64), z["y"].astype(int)
    xa, xb, _, yb = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    dets = {trim: AnomalyDetector(trim=trim).fit(xa) for trim in (3.0, None)}
    auc = {trim: roc_auc_score(yb, d.decision_function(xb)) for trim, d in dets.items()}
    assert auc[3.0] > 0.99 and auc[None] < auc[3.0] - 0.05, auc
    # the fence left out about as many rows as the split holds anomalies (7%); untrimmed: none
    left_out = 1.0 - dets[3.0].history_.rows[-1]["train_kept"]
    assert 0.04 < left_out < 0.12, left_out
    assert "train_kept" not in dets[None].history_.rows[-1]


def test_explain_names_the_perturbed_column():
    x, _ = subspace_data(n_anom=0)
    det = AnomalyDetector(contamination=0.01, **FAST).fit(x)
    probe = x[:20].copy()
    probe[np.arange(20), np.arange(20) % 10] += 8.0  # row i: column i % 10 pushed off the plane
    idx, share = det.explain(probe, top=2)
    # the residual of a push along one axis, after projection onto the plane, peaks on that
    # axis for most columns (not all: a projection can move part of it to a correlated column)
    assert idx.shape == (20, 2) and (idx == (np.arange(20) % 10)[:, None]).any(1).all()
    assert (idx[:, 0] == np.arange(20) % 10).mean() >= 0.8
    assert (share.sum(1) <= 1.0 + 1e-9).all() and (share[:, 0] >= share[:, 1]).all()


def test_clone_save_load_without_pickle(tmp_path):
    x, _ = subspace_data()
    df = pd.DataFrame(x, columns=[f"c{i}" for i in range(10)])
    det = AnomalyDetector(contamination=0.02, **FAST).fit(df)
    assert clone(det).get_params() == det.get_params()
    det.save(tmp_path / "d")
    back = AnomalyDetector.load(tmp_path / "d")
    assert back.threshold_ == det.threshold_
    assert list(back.feature_names_in_) == list(df.columns)
    assert np.allclose(back.decision_function(df), det.decision_function(df))
    assert (back.predict_proba(df) == det.predict_proba(df)).all()
    from aekit import AutoencoderTransformer

    with pytest.raises(AekitError, match="not saved by AutoencoderTransformer"):
        AutoencoderTransformer.load(tmp_path / "d")


def gap_data(n=600, d=10, seed=0):
    """Normal rows lie on one line in 10-d, in two clusters (positions near -3 and +3 along
    it); the anomalies lie on the same line, in the empty gap between them (positions near 0):
    they reconstruct as well as normal rows, but their codes sit where no training code does."""
    direction = np.random.default_rng(123).normal(size=d)
    rng = np.random.default_rng(seed)
    t_normal = np.r_[rng.normal(-3, 0.3, n // 2), rng.normal(3, 0.3, n // 2)]
    t = np.r_[t_normal, rng.normal(0, 0.3, 20)]
    x = t[:, None] * direction + 0.05 * rng.normal(size=(len(t), d))
    return x[:n], x[n:]


def test_code_density_matches_sklearn_mixture():
    from sklearn.mixture import GaussianMixture

    from aekit.density import CodeDensity

    z = np.random.default_rng(0).normal(size=(500, 3)) * [1.0, 2.0, 0.5]
    d = CodeDensity.fit(z, components=3, seed=0)
    g = GaussianMixture(3, covariance_type="full", reg_covar=1e-4, random_state=0).fit(z)
    nll = d.nll(torch.from_numpy(z)).numpy()
    assert np.allclose(nll, -g.score_samples(z))
    back = CodeDensity.from_dict(json.loads(json.dumps(d.to_dict())))  # saved as JSON numbers
    assert np.array_equal(back.nll(torch.from_numpy(z)).numpy(), nll)
    assert len(CodeDensity.fit(np.zeros((50, 2)), components=5).weights) == 1  # one distinct code


def test_density_flags_rows_that_reconstruct_well_but_sit_where_no_row_does():
    x_fit, x_gap = gap_data()
    x_test = np.r_[x_fit[::10], x_gap]
    y_test = np.r_[np.zeros(len(x_fit[::10]), int), np.ones(len(x_gap), int)]
    scores = {}
    for by in ("reconstruction", "reconstruction+density"):  # a linear AE: it draws the whole line
        det = AnomalyDetector(score_by=by, hidden=(), latent=1, epochs=20).fit(x_fit)
        scores[by] = roc_auc_score(y_test, det.decision_function(x_test))
    assert scores["reconstruction"] < 0.6  # the gap rows reconstruct as well as normal ones
    assert scores["reconstruction+density"] > 0.99
    with pytest.raises(ValueError, match="density_components"):
        AnomalyDetector(density_components=0).fit(x_fit)


def test_vae_scored_by_negative_elbo():
    x, y = subspace_data()
    det = AnomalyDetector(model="vae", score_by="elbo", contamination=0.05, **FAST).fit(x)
    assert roc_auc_score(y, det.decision_scores_) > 0.9
    with pytest.raises(ValueError, match="needs a VAE"):
        AnomalyDetector(score_by="elbo", **FAST).fit(x)
    with pytest.raises(ValueError, match="contamination"):
        AnomalyDetector(contamination=0.7).fit(x)


def test_detection_metrics_known_answer():
    y = np.array([0, 0, 0, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.9, 0.8, 0.95])
    m = detection_metrics(y, s, threshold=0.5)  # flags rows 3, 4, 5: 2 true of 3
    assert m["n_flagged"] == 3 and m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == 1.0 and m["f1"] == pytest.approx(0.8)
    assert m["roc_auc"] == pytest.approx(7 / 8)  # 7 of 8 (anomaly, normal) pairs ordered


@pytest.fixture(scope="module")
def cc_run(tmp_path_factory):
    if not CREDITCARD.is_file():
        pytest.skip(f"{CREDITCARD} not present")
    out = tmp_path_factory.mktemp("detect") / "cc"
    assert main(["detect", "fit", str(CREDITCARD), "--label-column", "Class", "--normal-only",
                 "--contamination", "0.05", "--out", str(out), "--no-progress"]) == 0  # fmt: skip
    return out


def test_fraud_detector_on_real_transactions(cc_run):
    import json

    s = json.loads((cc_run / "summary.json").read_text())
    assert s["normal_only"] and s["features"][0] == "Time" and len(s["features"]) == 30
    assert "Unnamed: 0" not in s["features"] and "Class" not in s["features"]
    assert s["test"]["roc_auc"] > 0.9 and s["test"]["recall"] > 0.7
    page = (cc_run / "report.html").read_text()
    assert '<section id="anomaly">' in page and "precision at the threshold" in page
    assert "per-column test reconstruction error (standardized units)" in page
    assert f"fitted on {s['n_fit']:,} normal rows of the training and validation splits" in page


def test_report_and_evaluate_work_on_a_detector_run(cc_run, tmp_path, capsys):
    import json

    code, _, _ = run(capsys, "report", cc_run, "--out", tmp_path / "r.html", "--map", "pca")
    page = (tmp_path / "r.html").read_text()
    assert code == 0 and "precision at the threshold" in page and '<section id="training">' in page
    n_fit = json.loads((cc_run / "summary.json").read_text())["n_fit"]
    assert f"fitted on {n_fit:,} normal rows" in page  # not the training split's size
    code, out, _ = run(capsys, "evaluate", cc_run, "--json")
    res = json.loads(out)
    assert code == 0 and res["n"] == 344 and res["probe_accuracy"] > 0.75  # majority class: 0.70


def test_score_file_in_chunks_matches_one_pass(cc_run, tmp_path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.parquet"
    code, out, _ = run(capsys, "detect", "score", cc_run, CREDITCARD, "--out", a, "--no-progress")
    assert code == 0 and "1,722 rows scored" in out
    code, _, _ = run(capsys, "detect", "score", cc_run, CREDITCARD, "--out", b, "--chunk-rows",
                     "97", "--no-progress")  # fmt: skip
    assert code == 0
    da, db = pd.read_csv(a), pd.read_parquet(b)
    src = pd.read_csv(CREDITCARD)
    assert list(da.columns[: src.shape[1]]) == list(src.columns)  # the input rows, then ours
    assert da.columns[src.shape[1]:].tolist() == [
        "score", "is_anomaly", "confidence", "top_1", "top_1_share", "top_2", "top_2_share",
        "top_3", "top_3_share",
    ]  # fmt: skip
    assert np.allclose(da["score"], db["score"]) and (da["top_1"] == db["top_1"]).all()
    det = AnomalyDetector.load(cc_run)  # the confidence of each call, as the detector gives it
    x = src[[str(c) for c in det.feature_names_in_]]
    assert np.allclose(da["confidence"], det.predict_confidence(x))
    assert np.allclose(da["confidence"], db["confidence"]) and da["confidence"].min() < 0.9
    assert (da["Unnamed: 0"] == np.arange(1722)).all()  # input order kept
    caught = da.groupby("Class")["is_anomaly"].mean()
    assert caught[1] > 0.7 and caught[0] < 0.15


def test_score_refuses_bad_files_in_one_line(cc_run, tmp_path, capsys):
    src = pd.read_csv(CREDITCARD).head(50)
    cases = {
        "missing": (src.drop(columns=["V3"]), "missing: V3"),
        "extra": (src.assign(Zip=1), "unexpected: Zip"),
        "text": (src.assign(V1=["x"] * 50), "non-numeric column(s) V1"),
        "na": (
            src.assign(V2=[1.0] * 40 + [np.nan] * 10),
            "missing value in column 'V2' at data row 41",
        ),
        "inf": (
            src.assign(Amount=[1.0] * 45 + [np.inf] + [1.0] * 4),
            "infinite value in column 'Amount' at data row 46",
        ),
    }
    for name, (df, message) in cases.items():
        f = tmp_path / f"{name}.csv"
        df.to_csv(f, index=False)
        out = tmp_path / f"{name}_scored.csv"
        code, _, err = run(capsys, "detect", "score", cc_run, f, "--out", out, "--chunk-rows", "20")
        assert code == 2 and message in err and err.count("\n") == 1, (name, err)
        assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers
    code, _, err = run(capsys, "detect", "score", cc_run, CREDITCARD, "--out", tmp_path / "x.txt")
    assert code == 2 and ".csv or .parquet" in err


@pytest.mark.skipif(not BREASTW.is_file(), reason=f"{BREASTW} not present")
def test_detect_fit_errors_and_unsupervised_fit(tmp_path, capsys):
    code, out, _ = run(capsys, "detect", "fit", BREASTW, "--out", tmp_path / "u", "--n-models", "2",
                       "--contamination", "0.3", "--no-progress", *_fast_cli())  # fmt: skip
    assert code == 0 and "ROC-AUC" in out  # labels from the file's y, fit on every row
    import json

    s = json.loads((tmp_path / "u" / "summary.json").read_text())
    assert s["detector"]["n_models"] == 2 and s["test"]["roc_auc"] > 0.9
    assert s["detector"]["recon_loss"] == "l1" and s["detector"]["trim"] == 3.0  # tables' default
    assert 0.0 <= s["trimmed_share"] < 0.25 and "the batch fence (--trim 3) left out" in out
    code, _, _ = run(capsys, "detect", "fit", BREASTW, "--out", tmp_path / "m", "--recon-loss",
                     "mse", "--trim", "none", "--no-progress", *_fast_cli())  # fmt: skip
    assert code == 0
    fitted = json.loads((tmp_path / "m" / "summary.json").read_text())
    assert fitted["detector"]["recon_loss"] == "mse" and fitted["detector"]["trim"] is None
    assert fitted["trimmed_share"] is None
    for bad in ("0", "x"):
        code, _, err = run(capsys, "detect", "fit", BREASTW, "--out", tmp_path / "t", "--trim", bad)
        assert code == 2 and "--trim: expected a number > 0 or none" in err, err
    assert not (tmp_path / "t").exists()
    # the report ranks by the committee's own score, so it shows the summary's ROC-AUC
    page = (tmp_path / "u" / "report.html").read_text()
    assert f"ROC-AUC <b>{s['test']['roc_auc']:.4f}</b>" in page
    assert f"fitted on {s['n_fit']:,} rows of the training and validation splits" in page
    training = page.split("<h3>Training</h3>")[1].split("</table>")[0]  # the estimator's options
    for key, value in (("estimator", "AnomalyDetector"), ("epochs", "10"),
                       ("contamination", "0.3"), ("n_models", "2"),
                       ("rows left out by the batch fence, last epoch",
                        f"{s['trimmed_share']:.1%}")):  # fmt: skip
        assert f"<th>{key}</th><td>{value}</td>" in training, training
    code, _, _ = run(capsys, "detect", "fit", BREASTW, "--out", tmp_path / "lim", "--limit", "200",
                     "--no-progress", *_fast_cli())  # fmt: skip
    limited = json.loads((tmp_path / "lim" / "summary.json").read_text())
    assert code == 0 and limited["n_fit"] + limited["test"]["n"] == 200  # a seeded subset
    code, _, err = run(capsys, "detect", "fit", BREASTW, "--out", tmp_path / "l0", "--limit", "0")
    assert code == 2 and "--limit must be a positive number" in err
    code, _, err = run(capsys, "detect", "fit", tmp_path / "nope.csv", "--out", tmp_path / "e")
    assert code == 2 and err.count("\n") == 1
    table = tmp_path / "t.csv"
    pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) ** 2, "label": [0, 1, 2, 3] * 5}
                 ).to_csv(table, index=False)  # fmt: skip
    code, _, err = run(
        capsys, "detect", "fit", table, "--label-column", "label", "--out", tmp_path / "e"
    )
    assert code == 2 and "labels must be 0 (normal) / 1 (anomaly)" in err
    pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) ** 2}).to_csv(table, index=False)
    code, _, err = run(capsys, "detect", "fit", table, "--normal-only", "--out", tmp_path / "e")
    assert code == 2 and "--normal-only needs labels" in err
    code, _, err = run(
        capsys, "detect", "fit", table, "--contamination", "0.9", "--out", tmp_path / "e"
    )
    assert code == 2 and "contamination" in err
    assert not (tmp_path / "e").exists() or not any((tmp_path / "e").iterdir())


def _fast_cli():
    return ["--epochs", "10", "--hidden", "16", "--latent", "3"]


def test_ensemble_model_is_a_committee(tmp_path):
    import torch

    from aekit import build_model, load, save_model

    members = [{"model": "mlp", "latent": 3, "hidden": [16]}, {"model": "mlp", "latent": 2}]
    m = build_model("ensemble", seed=0, input_shape=(10,), members=members, output="linear")
    x = torch.randn(5, 10)
    assert m.latent == 5 and m.encode(x).shape == (5, 5)
    mean = torch.stack([a(x) for a in m.autoencoders]).mean(0)
    assert torch.allclose(m(x), mean) and torch.allclose(m.decode(m.encode(x)), mean)
    losses = [a.loss(x)["loss"] for a in m.autoencoders]
    assert torch.allclose(m.loss(x)["loss"], sum(losses))
    save_model(tmp_path / "e", m)
    assert torch.allclose(load(tmp_path / "e").model(x), m(x))
    with pytest.raises(AekitError, match="not one"):
        build_model("ensemble", input_shape=(10,), members=[{"model": "classifier"}])


def test_detector_committee_scores_saves_and_explains(tmp_path):
    x, y = subspace_data()
    det = AnomalyDetector(n_models=3, contamination=0.05, **FAST).fit(x)
    assert det.model_.sizes == [3, 1, 3]  # code sizes alternate between latent and latent // 2
    assert roc_auc_score(y, det.decision_scores_) > 0.95
    assert abs(np.median(det.decision_scores_)) < 0.5  # unitless: (error - median) / IQR
    det.save(tmp_path / "d")
    back = AnomalyDetector.load(tmp_path / "d")
    assert np.allclose(back.decision_function(x), det.decision_function(x))
    assert (back.explain(x[:5])[0] == det.explain(x[:5])[0]).all()
    with pytest.raises(ValueError, match="ensemble is not scored by elbo"):
        AnomalyDetector(model="vae", n_models=2, score_by="elbo").fit(x)


@pytest.mark.parametrize("kw", [{}, {"score_by": "reconstruction"}, {"n_models": 2},
                                {"model": "vae", "score_by": "elbo"}])  # fmt: skip
def test_scores_and_explanations_come_from_one_batched_pass(kw):
    """`detect score` takes both from one pass of the model per batch; they match
    decision_function and explain, whatever the batch size (elbo's sampled scores aside)."""
    x, _ = subspace_data(n=200, n_anom=10)
    det = AnomalyDetector(contamination=0.05, **{**FAST, "epochs": 3, **kw}).fit(x)
    scores, idx, share = det._scores_and_explain(x, 2)
    assert np.array_equal(scores, det.decision_function(x))
    e_idx, e_share = det.explain(x, top=2)
    assert np.array_equal(idx, e_idx) and np.allclose(share, e_share) and idx.shape == (210, 2)
    s7, i7, sh7 = det._passes(det.scaler_.transform(x), 2, batch_size=7)  # 30 batches
    assert np.array_equal(i7, idx) and np.allclose(sh7, share, rtol=1e-6)
    if kw.get("score_by") != "elbo":
        assert np.allclose(s7, scores, rtol=1e-6, atol=1e-9)
    empty = det._scores_and_explain(x[:0], 2)
    assert [a.shape for a in empty] == [(0,), (0, 2), (0, 2)]


def test_score_histogram_bins_cover_negative_unitless_scores(tmp_path):
    from aekit.plots import score_bins, score_histogram

    errors = np.geomspace(1e-3, 10, 200)  # reconstruction errors: positive, over 100x
    bins, scale = score_bins(errors)
    assert scale == "log" and np.isclose(bins[0], 1e-3) and np.isclose(bins[-1], 10)
    unitless = np.r_[-2.5, np.linspace(-1, 800, 199)]  # the default score: typical rows near 0
    bins, scale = score_bins(unitless)
    assert scale == "symlog" and np.isclose(bins[0], -2.5) and np.isclose(bins[-1], 800)
    assert np.all(np.diff(bins) > 0) and sum(-1 <= b <= 1 for b in bins) >= 5  # fine near 0
    bins, scale = score_bins(np.linspace(-3, 5, 50))
    assert scale == "linear" and bins[0] == -3 and bins[-1] >= 5
    y = (unitless > 10).astype(int)
    assert score_histogram(unitless, y, {0: "normal", 1: "anomaly"}, tmp_path / "h.png").is_file()


def test_detect_on_images_flags_other_digits_and_scores_a_folder_by_file(tmp_path, capsys):
    """Images are detected as the one-class setup has it: fitted on one digit's images, the
    others are anomalies. detect fit takes digits (a built-in) or a folder of PNGs with a
    sub-folder per class, with its image defaults (a 2-D conv autoencoder on pixels in
    [0, 1]); detect score reads another folder at the model's size, names each row by its
    file and explains it by pixels (row, column)."""
    from PIL import Image

    from aekit.data.digits import load_arrays

    code, text, err = run(capsys, "detect", "fit", "digits", "--normal-class", "0",
                          "--normal-only", "--epochs", "10", "--out", tmp_path / "builtin",
                          "--no-progress")  # fmt: skip
    assert code == 0, err
    s = json.loads((tmp_path / "builtin" / "summary.json").read_text())
    assert s["kind"] == "image" and s["detector"]["model"] == "conv"
    assert s["detector"]["scaling"] == "minmax" and s["detector"]["input_shape"] == [1, 8, 8]
    assert s["test"]["roc_auc"] > 0.95, s["test"]  # zeros against the nine other digits
    page = (tmp_path / "builtin" / "report.html").read_text()
    assert '<section id="reconstructions">' in page
    # what it flags, to look at: the test images at both ends of its score
    assert "the 10 test images scored most anomalous and the 10 scored least" in page
    x, y = load_arrays()
    for folder, rows in (("seen", range(0, 1200)), ("new", range(1500, 1620))):
        for i in rows:  # as a scanner would write them: 16x16 grey PNGs, a folder per digit
            (tmp_path / folder / f"d{y[i]}").mkdir(parents=True, exist_ok=True)
            png = Image.fromarray(np.round(x[i] / 16 * 255).astype(np.uint8)).resize((16, 16))
            png.save(tmp_path / folder / f"d{y[i]}" / f"{i}.png")
    out = tmp_path / "det"
    code, text, err = run(capsys, "detect", "fit", tmp_path / "seen", "--normal-class", "d0",
                          "--normal-only", "--epochs", "10", "--out", out, "--no-progress")  # fmt: skip
    assert code == 0, err
    assert json.loads((out / "summary.json").read_text())["test"]["roc_auc"] > 0.95
    code, _, err = run(capsys, "detect", "score", out, tmp_path / "new", "--out",
                       tmp_path / "s.csv")  # fmt: skip
    assert code == 0, err
    scored = pd.read_csv(tmp_path / "s.csv")
    assert len(scored) == 120 and scored["file"].str.match(r"d\d/\d+\.png$").all()
    assert roc_auc_score(scored["label"] != "d0", scored["score"]) > 0.95  # unseen images
    assert scored["top_1"].str.match(r"r\d+c\d+$").all()
    # the digits detector reads 8x8 PNGs in digits' own grey levels (0..16, not 0..255)
    for i in range(1500, 1620):
        (tmp_path / "new8" / f"d{y[i]}").mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(x[i] / 16 * 255).astype(np.uint8)).save(
            tmp_path / "new8" / f"d{y[i]}" / f"{i}.png")  # fmt: skip
    code, _, err = run(capsys, "detect", "score", tmp_path / "builtin", tmp_path / "new8",
                       "--out", tmp_path / "b.csv")  # fmt: skip
    assert code == 0, err
    scored = pd.read_csv(tmp_path / "b.csv")
    assert roc_auc_score(scored["label"] != "d0", scored["score"]) > 0.95  # was 0.37
    assert scored["top_1"].str.extract(r"r(\d+)c(\d+)").astype(int).max().max() <= 15  # 16x16


def test_image_pixels_are_named_by_row_and_column():
    from aekit.data.base import column_names

    assert column_names({"kind": "image", "sample_shape": [1, 2, 3]}) == [
        "r0c0", "r0c1", "r0c2", "r1c0", "r1c1", "r1c2"]  # fmt: skip
    rgb = column_names({"kind": "image", "sample_shape": [3, 2, 2]})
    assert rgb[:5] == ["R_r0c0", "R_r0c1", "R_r1c0", "R_r1c1", "G_r0c0"] and rgb[-1] == "B_r1c1"


def test_minmax_scaling_maps_training_pixels_to_the_unit_range():
    rng = np.random.default_rng(0)
    x = rng.integers(10, 200, size=(64, 16)).astype(np.float32)
    det = AnomalyDetector(scaling="minmax", input_shape=(1, 4, 4), model="conv", hidden=None,
                          epochs=1, latent=2, random_state=0).fit(x)  # fmt: skip
    assert (
        det.scaler_.kind == "minmax" and det.scaler_.min == x.min() and det.scaler_.max == x.max()
    )
    scaled = det.scaler_.transform(x)
    assert scaled.min() == 0.0 and scaled.max() == 1.0
