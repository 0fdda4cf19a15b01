"""scikit-learn contract and behaviour of the estimators."""

import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from aekit.estimators import AnomalyDetector, AutoencoderClassifier, AutoencoderTransformer

from .conftest import SHARED

UNLABELLED_MARKER = (
    "y = -1 marks unlabelled rows (scikit-learn's semi-supervised convention), so a class "
    "named -1, as in this check's labels {-1, 1}, cannot be learned"
)


SPARSE_CHECK_READS_CLASSIFIER_TAGS = (
    "scikit-learn's sparse-input check reads classifier tags whenever predict_proba exists; an "
    "outlier detector with PyOD's predict_proba has none (sparse input is tested in "
    "test_detector_on_sparse_rows)"
)


def _expected_failures(estimator):
    if isinstance(estimator, AutoencoderClassifier):
        return {"check_classifiers_classes": UNLABELLED_MARKER}
    if isinstance(estimator, AnomalyDetector):
        return {
            check: SPARSE_CHECK_READS_CLASSIFIER_TAGS
            for check in ("check_estimator_sparse_array", "check_estimator_sparse_matrix")
        }
    return {}


@parametrize_with_checks(
    [
        AutoencoderTransformer(latent=2, epochs=3, hidden=(16,)),
        AutoencoderClassifier(
            latent=4, hidden=(16,), pretrain_epochs=3, finetune_epochs=20, finetune_lr=1e-2
        ),  # fmt: skip
        AnomalyDetector(epochs=3, hidden=(16,), latent=2, contamination=0.1),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_contract(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits_xy():
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data.astype(np.float64), d.target


def test_codes_feed_a_pipeline(digits_xy):
    X, y = digits_xy
    pipe = make_pipeline(
        AutoencoderTransformer(latent=16, epochs=30), LogisticRegression(max_iter=2000)
    )
    pipe.fit(X[:1200], y[:1200])
    acc = pipe.score(X[1200:], y[1200:])
    assert acc > 0.85, acc  # 16 numbers per 64-pixel digit still separate the classes


def test_reconstruction_scores_and_inverse(digits_xy):
    X, _ = digits_xy
    est = AutoencoderTransformer(latent=16, epochs=30).fit(X[:1200])
    codes = est.transform(X[1200:])
    assert codes.shape == (len(X) - 1200, 16)
    recon = est.inverse_transform(codes)
    assert recon.shape == X[1200:].shape
    # in pixel units, the error is a small fraction of the pixels' variance (84% explained here)
    assert np.mean((recon - X[1200:]) ** 2) < 0.25 * np.var(X[1200:], axis=0).mean()
    rng = np.random.default_rng(0)
    noise = rng.uniform(0, 16, size=(100, 64))  # not digits: reconstruct badly
    assert np.median(est.score_samples(noise)) > 3 * np.median(est.score_samples(X[1200:]))


def test_transformer_trim_keeps_junk_rows_from_being_learned(digits_xy):
    """1,200 digits plus 60 rows of uniform noise: trained on every row, a 16-d code learns
    to reconstruct the noise too (and the digits worse); trimmed, it leaves those rows out."""
    X, _ = digits_xy
    junk = np.random.default_rng(0).uniform(0, 16, size=(60, 64))
    rows = np.r_[X[:1200], junk]
    ratio, digit_err, trims = {}, {}, {}
    for trim in (3.0, None):
        est = AutoencoderTransformer(latent=16, epochs=30, trim=trim).fit(rows)
        s = est.score_samples(rows)
        ratio[trim] = np.median(s[1200:]) / np.median(s[:1200])
        digit_err[trim] = s[:1200].mean()
        trims[trim] = est.model_.trim
    assert trims == {3.0: 3.0, None: None}  # the parameter reaches the model
    assert ratio[3.0] > 10 * ratio[None], ratio  # measured: 209 vs 4
    assert digit_err[3.0] < 0.9 * digit_err[None], digit_err  # measured: 0.031 vs 0.043


def test_clone_save_load_without_pickle(digits_xy, tmp_path):
    X, _ = digits_xy
    est = AutoencoderTransformer(latent=8, epochs=5, noise="gaussian:0.1", hidden=(64,)).fit(
        X[:500]
    )
    c = clone(est)
    assert c.get_params() == est.get_params() and not hasattr(c, "model_")
    est.save(tmp_path / "est")
    assert sorted(p.name for p in (tmp_path / "est").iterdir()) == [
        "model.json",
        "model.safetensors",
    ]
    back = AutoencoderTransformer.load(tmp_path / "est")
    assert back.get_params() == est.get_params()
    assert np.array_equal(back.transform(X[500:600]), est.transform(X[500:600]))
    with pytest.raises(ValueError, match="expecting 64 features"):
        back.transform(X[:5, :10])


def test_classifier_learns_from_few_labels_and_uses_unlabelled_rows(digits_xy, tmp_path):
    X, y = digits_xy
    train, test = slice(0, 1400), slice(1400, None)
    y_semi = y[train].copy()
    rng = np.random.default_rng(0)
    hidden = rng.permutation(1400)[:1200]
    y_semi[hidden] = -1  # 200 labels, 1,200 unlabelled rows
    clf = AutoencoderClassifier(latent=16, pretrain_epochs=20, finetune_epochs=40).fit(
        X[train], y_semi
    )
    assert list(clf.classes_) == list(range(10))  # -1 is not a class
    # a check that it learns (chance is 0.1), not a claim that pre-training wins on 8x8 digits
    assert clf.score(X[test], y[test]) > 0.8
    proba = clf.predict_proba(X[test])
    assert proba.shape == (len(X[test]), 10) and np.allclose(proba.sum(1), 1.0, atol=1e-5)
    # pre-training stepped through all 1,400 rows each epoch, fine-tuning through the 200 labelled
    steps = [h.steps[-1]["step"] for h in (clf.pretrain_history_, clf.finetune_history_)]
    assert steps == [20 * math.ceil(1400 / clf.batch_size), 40 * math.ceil(200 / clf.batch_size)]
    clf.save(tmp_path / "clf")
    back = AutoencoderClassifier.load(tmp_path / "clf")
    assert np.array_equal(back.predict(X[test]), clf.predict(X[test]))
    assert back.get_params() == clf.get_params()
    with pytest.raises(ValueError, match="at least 2 classes"):
        AutoencoderClassifier(pretrain_epochs=1, finetune_epochs=1).fit(X[:50], np.full(50, -1))


def test_bad_options_are_value_errors_as_in_scikit_learn(digits_xy):
    """aekit's own one-line errors (AekitError) are ValueErrors, as scikit-learn raises for bad
    parameters, so pipeline code that catches ValueError catches them too."""
    X, _ = digits_xy
    with pytest.raises(ValueError, match="noise 'blur:2'"):
        AutoencoderTransformer(noise="blur:2", epochs=1).fit(X[:50])
    with pytest.raises(ValueError, match="hidden sizes must be positive"):
        AnomalyDetector(hidden=(0,), epochs=1).fit(X[:50])


def test_conv_transformer_and_classifier_read_flat_rows_as_images(digits_xy, tmp_path):
    """input_shape=(1, 8, 8): the 64 columns of a digit become one 8x8 image for model="conv";
    rows in and rows out, as for any transformer."""
    X, y = digits_xy
    est = AutoencoderTransformer(model="conv", input_shape=(1, 8, 8), latent=8, epochs=10,
                                 scaling="global").fit(X[:1200])  # fmt: skip
    assert est.model_.input_shape == (1, 8, 8) and est.model_.registry_name == "conv"
    codes = est.transform(X[1200:])
    recon = est.inverse_transform(codes)
    assert codes.shape == (len(X) - 1200, 8) and recon.shape == X[1200:].shape
    assert np.mean((recon - X[1200:]) ** 2) < 0.5 * np.var(X[1200:], axis=0).mean()
    noise = np.random.default_rng(0).uniform(0, 16, size=(100, 64))
    assert np.median(est.score_samples(noise)) > 2 * np.median(est.score_samples(X[1200:]))
    back = AutoencoderTransformer.load(est.save(tmp_path / "conv"))
    assert back.input_shape == (1, 8, 8) and np.array_equal(
        back.transform(X[:20]), est.transform(X[:20])
    )
    with pytest.raises(ValueError, match=r"codes of shape \(n, 8\); got \(2, 3\)"):
        est.inverse_transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="input_shape .* does not hold rows of 64 features"):
        AutoencoderTransformer(model="conv", input_shape=(1, 7, 7)).fit(X[:50])
    clf = AutoencoderClassifier(model="conv", input_shape=(1, 8, 8), latent=16, scaling="global",
                                pretrain_epochs=5, finetune_epochs=10).fit(X[:1200], y[:1200])  # fmt: skip
    assert clf.model_.input_shape == (1, 8, 8)
    assert clf.score(X[1200:], y[1200:]) > 0.8  # learns (chance 0.1); no claim against the MLP
    back = AutoencoderClassifier.load(clf.save(tmp_path / "clf"))
    assert np.array_equal(back.predict(X[1200:]), clf.predict(X[1200:]))


AG_NEWS = Path(SHARED) / "text/ag_news_test/test.csv"


def test_transformer_reads_sparse_rows_one_batch_at_a_time(monkeypatch, tmp_path):
    import scipy.sparse

    from aekit.rows import SparseRows

    x = scipy.sparse.random(2100, 120, density=0.05, format="csr", random_state=0)
    densified: list[int] = []
    real = SparseRows.__getitem__

    def spy(self, index):
        out = real(self, index)
        densified.append(len(out))
        return out

    monkeypatch.setattr(SparseRows, "__getitem__", spy)
    sparse = AutoencoderTransformer(latent=4, epochs=2, hidden=(16,), batch_size=32).fit(x)
    assert densified == ([32] * 65 + [20]) * 2  # training: one batch of rows at a time
    densified.clear()
    codes = sparse.transform(x)
    assert densified == [1024, 1024, 52]  # encoding: batches of 1,024 rows, never all 2,100
    # a sparse X is taken as given ("auto"): the same as a dense X with no scaling, bit for bit
    dense = AutoencoderTransformer(latent=4, epochs=2, hidden=(16,), batch_size=32,
                                   scaling="identity")  # fmt: skip
    assert np.array_equal(codes, dense.fit(x.toarray()).transform(x.toarray()))
    assert np.array_equal(sparse.score_samples(x), dense.score_samples(x.toarray()))
    loaded = AutoencoderTransformer.load(sparse.save(tmp_path / "codes"))
    assert loaded.scaling == "auto" and np.array_equal(loaded.transform(x), codes)
    standardized = AutoencoderTransformer(latent=4, epochs=2, hidden=(16,)).fit(x.toarray())
    assert not np.allclose(standardized.transform(x.toarray()), codes)  # "auto" on dense: standard
    with pytest.raises(ValueError, match="'standard' scaling, fitted on dense rows"):
        standardized.transform(x)
    with pytest.raises(ValueError, match="scaling='standard' would make sparse rows dense"):
        AutoencoderTransformer(scaling="standard").fit(x)
    with pytest.raises(ValueError, match="scaling='minmax' would make sparse rows dense"):
        AutoencoderTransformer(scaling="minmax").fit(x)
    with pytest.raises(ValueError, match="scaling must be 'auto' or one of"):
        AutoencoderTransformer(scaling="bogus").fit(x)


@pytest.mark.skipif(not AG_NEWS.is_file(), reason=f"{AG_NEWS} not present")
def test_transformer_after_tfidf_vectorizer_on_ag_news():
    """The text pipeline scikit-learn users write: TfidfVectorizer (sparse) -> codes -> probe,
    as bench/sklearn_text.py runs it (seed 0 there: 0.849 for the codes, 0.825 for SVD-32)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from aekit.data.text import read_text

    docs, y, _ = read_text(AG_NEWS, "1,2", "0")
    tr, te = train_test_split(np.arange(len(docs)), train_size=3000, test_size=1000, stratify=y,
                              random_state=0)  # fmt: skip
    vec = TfidfVectorizer(min_df=2, sublinear_tf=True).fit(docs[tr])
    x_tr, x_te = vec.transform(docs[tr]), vec.transform(docs[te])
    ae = AutoencoderTransformer(model="stacked", hidden=(), latent=32, noise="mask:0.5",
                                recon_loss="multinomial-binary", epochs=10, lr=1e-2).fit(x_tr)  # fmt: skip
    assert ae.model_.output == "softmax"
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    acc = probe.fit(ae.transform(x_tr), y[tr]).score(ae.transform(x_te), y[te])
    svd = TruncatedSVD(32, random_state=0).fit(x_tr)
    acc_svd = probe.fit(svd.transform(x_tr), y[tr]).score(svd.transform(x_te), y[te])
    assert acc >= 0.82 and acc > acc_svd + 0.01, (acc, acc_svd)


SMS = Path(SHARED) / "text/sms_spam_collection/SMSSpamCollection"


@pytest.mark.skipif(not SMS.is_file(), reason=f"{SMS} not present")
def test_detector_on_sparse_rows():
    """TfidfVectorizer's sparse rows score as the same rows dense (scaling "identity"), bit for
    bit, on real messages; sparse rows refuse a shifting scaling and an input_shape."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import roc_auc_score

    from aekit.data.text import read_text

    docs, y, classes = read_text(SMS, "1", "0")
    assert list(classes) == ["ham", "spam"]
    rng = np.random.default_rng(0)
    ham, spam = rng.permutation(np.flatnonzero(y == 0)), np.flatnonzero(y == 1)
    fit_docs, test = docs[ham[:1500]], np.concatenate([ham[1500:1800], spam[:100]])
    vec = TfidfVectorizer(min_df=2, sublinear_tf=True).fit(docs[np.concatenate([ham, spam])])
    x_fit, x_test = vec.transform(fit_docs), vec.transform(docs[test])
    opts = dict(hidden=(64,), latent=8, epochs=3, score_by="reconstruction", recon_loss="mse")
    sparse = AnomalyDetector(**opts).fit(x_fit)
    dense = AnomalyDetector(scaling="identity", **opts).fit(x_fit.toarray())
    assert sparse.scaler_.kind == "identity"
    s = sparse.decision_function(x_test)
    assert np.array_equal(s, dense.decision_function(x_test.toarray()))
    assert np.array_equal(sparse.decision_scores_, dense.decision_scores_)
    for a, b in zip(sparse.explain(x_test), dense.explain(x_test.toarray())):
        assert np.array_equal(a, b)
    assert roc_auc_score(y[test], s) > 0.6, roc_auc_score(
        y[test], s
    )  # 0.65 (seeds 1, 2: 0.68, 0.65)
    committee = dict(hidden=(64,), latent=8, epochs=3, n_models=2)  # scored with code density
    s2 = AnomalyDetector(**committee).fit(x_fit).decision_function(x_test)
    dense2 = AnomalyDetector(scaling="identity", **committee).fit(x_fit.toarray())
    assert np.array_equal(s2, dense2.decision_function(x_test.toarray()))
    with pytest.raises(ValueError, match="would make sparse rows dense"):
        AnomalyDetector(scaling="standard", **opts).fit(x_fit)
    with pytest.raises(ValueError, match="would make sparse rows dense"):
        AnomalyDetector(**opts).fit(x_fit[:200].toarray()).decision_function(x_test)
    with pytest.raises(ValueError, match="leave input_shape unset"):
        AnomalyDetector(model="conv", input_shape=(1, x_fit.shape[1]), hidden=None).fit(x_fit)


def test_detector_scores_wide_sparse_rows_in_small_dense_batches():
    """Scoring batches are 65,536 rows for dense rows; for sparse rows they hold at most 2^24
    values, so 10,000 TF-IDF words go 1,677 rows at a time, not 65,536 (2.6 GB dense)."""
    import scipy.sparse

    from aekit.estimators import _batch_rows

    wide = scipy.sparse.random(10, 10_000, density=0.01, format="csr")
    assert _batch_rows(wide, 65536) == 1677
    assert _batch_rows(scipy.sparse.random(10, 20, format="csr"), 65536) == 65536
    assert _batch_rows(np.zeros((10, 10_000)), 65536) == 65536  # dense rows: as before


def test_classifier_reads_sparse_rows_as_dense_rows():
    import scipy.sparse

    rng = np.random.default_rng(0)
    x = scipy.sparse.random(200, 60, density=0.1, format="csr", random_state=0)
    y = np.where(rng.random(200) < 0.5, -1, (np.asarray(x[:, :30].sum(1)).ravel() > 1.4) * 1)
    opts = dict(latent=4, hidden=(16,), pretrain_epochs=2, finetune_epochs=3)
    sparse = AutoencoderClassifier(**opts).fit(x, y)
    dense = AutoencoderClassifier(scaling="identity", **opts).fit(x.toarray(), y)
    assert sparse.scaler_.kind == "identity"
    assert np.array_equal(sparse.predict_proba(x), dense.predict_proba(x.toarray()))
    with pytest.raises(ValueError, match="would make sparse rows dense"):
        AutoencoderClassifier(**opts).fit(x.toarray(), y).predict(x)


@pytest.mark.skipif(not AG_NEWS.is_file(), reason=f"{AG_NEWS} not present")
def test_classifier_pretrains_on_unlabelled_news():
    """200 labelled documents of 3,000: pre-training on all of them (y = -1 for the rest) then
    fine-tuning beats logistic regression on the labelled TF-IDF rows, as bench/sklearn_text.py
    runs it (seed 0 there: 0.789 vs 0.744)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import train_test_split

    from aekit.data.text import read_text

    docs, y, _ = read_text(AG_NEWS, "1,2", "0")
    tr, te = train_test_split(np.arange(len(docs)), train_size=3000, test_size=1000, stratify=y,
                              random_state=0)  # fmt: skip
    rng = np.random.default_rng(0)
    lab = np.concatenate(
        [rng.choice(np.flatnonzero(y[tr] == c), 50, replace=False) for c in range(4)]
    )
    y_semi = np.full(len(tr), -1)
    y_semi[lab] = y[tr][lab]
    vec = TfidfVectorizer(min_df=2, sublinear_tf=True).fit(docs[tr])
    x_tr, x_te = vec.transform(docs[tr]), vec.transform(docs[te])
    clf = AutoencoderClassifier(model="stacked", hidden=(), latent=32, noise="mask:0.5",
                                recon_loss="multinomial-binary", pretrain_epochs=10, lr=1e-2,
                                finetune_epochs=30, finetune_lr=1e-2).fit(x_tr, y_semi)  # fmt: skip
    baseline = LogisticRegression(max_iter=1000).fit(x_tr[lab], y[tr][lab]).score(x_te, y[te])
    acc = clf.score(x_te, y[te])
    assert acc >= baseline + 0.02, (acc, baseline)


def test_transformer_names_its_code_units_and_gives_pandas_output():
    pd = pytest.importorskip("pandas")
    from sklearn.datasets import load_digits

    X, _ = load_digits(return_X_y=True, as_frame=True)
    t = AutoencoderTransformer(latent=3, epochs=1, hidden=(16,)).set_output(transform="pandas")
    codes = t.fit_transform(X)
    names = [f"autoencodertransformer{i}" for i in range(3)]
    assert isinstance(codes, pd.DataFrame) and list(codes.columns) == names
    assert list(t.get_feature_names_out()) == names and codes.index.equals(X.index)


def test_estimators_take_autoencoders_only_and_a_conv_detector_needs_no_hidden_none():
    x = np.random.default_rng(0).normal(size=(64, 16))
    for est in (AnomalyDetector(model="gan"), AutoencoderTransformer(model="classifier")):
        with pytest.raises(ValueError, match="is not an autoencoder"):
            est.fit(x)
    # the detector's default hidden=(64,) is an MLP's: a conv model leaves it out
    det = AnomalyDetector(model="conv", input_shape=(1, 16), epochs=1).fit(x)
    assert "hidden" not in det.model_.config and det.decision_function(x).shape == (64,)
    with pytest.raises(Exception, match="does not take option"):  # one given on purpose
        AnomalyDetector(model="conv", input_shape=(1, 16), hidden=(32,), epochs=1).fit(x)
