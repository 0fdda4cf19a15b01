"""The HTML report of a run: one self-contained page (figures embedded as PNG data, inline CSS,
no script, nothing fetched) that a person can read in a minute.

Sections, each only where it applies: a one-line summary; the run (model, training, data);
training curves; reconstructions (image grid, or the worst-reconstructed columns of a table);
the metrics with what each means; a 2-D map of the codes; samples, interpolations and the class
histogram of samples for generative models; the reconstruction-error histogram and ROC curve
when the test labels have two classes (anomaly detection). Text from the user (run name, column
and class names, paths) is escaped.
"""

from __future__ import annotations

import base64
import html
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import __version__
from .checkpoint import atomic_write_bytes
from .data import Dataset
from .data.table_features import table_features
from .errors import AekitError
from .metrics import encode, reconstruct, subsample
from .rows import dense
from .training import STEPS_CSV, History, read_steps

REPORT = "report.html"
ORDER = ("metrics", "reconstructions", "map", "neighbours", "samples", "anomaly", "training",
         "run")  # fmt: skip
SIGNAL_PANELS = 8  # test series or spectrograms drawn with their reconstructions
NEIGHBOUR_DOCS = 4  # text: test documents shown with their nearest training documents
# samples shown per kind of data (a table's histograms need rows; text lists words), and the
# steps of the interpolations drawn between pairs of test inputs
SAMPLES_SHOWN = {"image": 64, "signal": 16, "table": 1000, "text": 8}
INTERPOLATION_STEPS = {"image": 10, "signal": 8}
MAP_POINTS = 2000  # test codes drawn on the latent map

# key: (label, what it means, which way is better)
METRICS: dict[str, tuple[str, str, str]] = {
    "mse": ("MSE", "mean squared reconstruction error (model's input units)", "lower"),
    "psnr": ("PSNR (dB)", "peak signal-to-noise ratio of reconstructions, per image", "higher"),
    "ssim": ("SSIM", "structural similarity of reconstructions; 1 = identical", "higher"),
    "probe_accuracy": ("linear-probe accuracy", "logistic regression on codes, fitted on training codes", "higher"),
    "knn_accuracy": ("kNN accuracy", "5-nearest-neighbour classifier on codes", "higher"),
    "silhouette": ("silhouette", "how far apart the classes lie in code space (-1 to 1)", "higher"),
    "trustworthiness": ("trustworthiness", "code-space neighbours that are input-space neighbours (0 to 1)", "higher"),
    "active_fraction": ("active code units", "share of code units active per sample (sparse models)", ""),
    "mean_activation": ("mean code activation", "sigmoid (KL-sparse) codes: what the KL term pulls towards rho", ""),
    "effective_dims": ("effective dimensions", "latent dimensions that carry 95% of the code variance", ""),
    "elbo": ("ELBO (nats)", "evidence lower bound per sample (beta = 1)", "higher"),
    "iw_nll": ("IW NLL (nats)", "importance-weighted negative log-likelihood per sample", "lower"),
    "frechet_distance": ("Fréchet distance", "samples vs real test samples (see the note below)", "lower"),
    "frechet_floor": ("Fréchet floor", "the same between two halves of the real test set", ""),
    "precision": ("precision", "share of samples that fall on the real data's manifold", "higher"),
    "recall": ("recall", "share of real samples the samples' manifold covers", "higher"),
    "precision_floor": ("precision floor", "real half vs real half", ""),
    "recall_floor": ("recall floor", "real half vs real half", ""),
    "class_coverage": ("classes covered", "classes given at least a fifth of a uniform share of samples", "higher"),
    "max_class_share": ("largest class share", "share of samples in the most frequent class", "lower"),
}  # fmt: skip

CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:24px;margin:0 0 4px} h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #e3e6eb;padding-bottom:4px}
.sub{color:#5b6475;margin:0 0 14px} .summary{background:#eef4ff;border-left:4px solid #3b6fd8;padding:10px 14px}
nav a{margin-right:14px;color:#3b6fd8;text-decoration:none;font-size:14px}
table{border-collapse:collapse;font-size:14px;margin:6px 0} td,th{border-bottom:1px solid #e9ecf0;padding:4px 10px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums} th{background:#f3f5f8}
.figs{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start} img{max-width:100%;height:auto;border:1px solid #eceff3}
.cols{display:flex;flex-wrap:wrap;gap:28px} .note{color:#5b6475;font-size:13px}
"""


def _esc(v: Any) -> str:
    return html.escape(str(v), quote=True)


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return _esc(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return _esc(", ".join(str(x) for x in v))
    return _esc(v)


def _table(rows: list[tuple[Any, Any]]) -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{_fmt(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


class _Figures:
    """Draws figures into a temporary folder and embeds each as a PNG data URI."""

    def __init__(self, folder: Path):
        self.folder, self.count = folder, 0

    def __call__(self, draw: Callable[[Path], Path], alt: str) -> str:
        self.count += 1
        path = draw(self.folder / f"fig{self.count}.png")
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'<img src="data:image/png;base64,{data}" alt="{_esc(alt)}">'


def build_report(
    model,
    ds: Dataset,
    info: dict[str, Any],
    scores: dict[str, Any],
    history: History | None = None,
    *,
    name: str = "run",
    map_method: str = "tsne",
    seed: int = 0,
    detection: dict[str, Any] | None = None,
) -> str:
    """The report page as one HTML string. `info` is the run's model.json, `scores` what
    `tasks.evaluate` returned (unprefixed keys), `history` the training curves, `detection`
    an anomaly detector's summary (its threshold and test-split metrics) with its scores of
    the test rows under "test_scores"."""
    from . import plots
    from .tasks.embed import map_2d
    from .tasks.generate import is_generative

    sections: list[tuple[str, str, str]] = []  # (anchor, title, html)
    train_info = info.get("metrics", {})
    cfg = info.get("config", {})
    with tempfile.TemporaryDirectory() as tmp:
        fig = _Figures(Path(tmp))
        # -- the run
        data_rows = [
            ("name", ds.name), ("kind", ds.kind), ("sample shape", " x ".join(map(str, ds.sample_shape))),
            ("train / validation / test", f"{ds.x_train.shape[0]:,} / {ds.x_val.shape[0]:,} / {ds.x_test.shape[0]:,}"),
            ("source", info.get("data", {}).get("source", "")),
        ]  # fmt: skip
        if ds.class_names:
            data_rows.append(("classes", ds.class_names))
        tc = info.get("train_config", {})
        if "estimator" in tc:  # fitted by an estimator (aekit detect fit): its parameters
            p = tc.get("params", {})
            tc = {"estimator": tc["estimator"], **p, "seed": p.get("random_state")}
        train_rows = [
            (k, tc[k])
            for k in ("estimator", "epochs", "batch_size", "lr", "optimizer", "schedule", "seed",
                      "contamination", "score_by", "n_models")
            if tc.get(k) is not None
        ]  # fmt: skip
        for k in ("epochs_run", "best_epoch", "train_seconds", "train_device", "torch_threads"):
            if k in train_info:
                train_rows.append((k.replace("_", " "), train_info[k]))
        if history is not None and history.trimmed_share is not None:  # trained with `trim`
            train_rows.append(("rows left out by the batch fence, last epoch",
                               f"{history.trimmed_share:.1%}"))  # fmt: skip
        model_rows = [("family", info.get("model")), ("parameters", info.get("num_parameters"))]
        model_rows += [(k, v) for k, v in cfg.items() if k != "input_shape" and v is not None]
        sections.append(("run", "Run", (
            '<div class="cols"><div><h3>Model</h3>' + _table(model_rows) + "</div>"
            "<div><h3>Training</h3>" + _table(train_rows) + "</div>"
            "<div><h3>Data</h3>" + _table(data_rows) + "</div></div>"
        )))  # fmt: skip
        # -- training curves
        if history is not None and history.rows:
            body = fig(
                lambda p: plots.loss_curves(history, p, title=f"{info.get('model')} on {ds.name}"),
                "training and validation loss per epoch")  # fmt: skip
            if history.steps:
                body += fig(lambda p: plots.training_steps({"": history.steps}, p),
                            "loss terms, discriminator accuracy and the classes of a fixed batch "
                            "of samples, every logged step")  # fmt: skip
            sections.append(("training", "Training curves", body))
        # -- reconstructions (of every test row when the anomaly view needs their errors)
        x, y = dense(ds.x_test), ds.y_test  # text: the test rows made dense for the figures
        anomaly_view = model.has_encoder and y is not None and len(np.unique(y)) == 2 and len(x) > 0
        own_scores = detection is not None and "test_scores" in detection
        recon = (  # a GAN has no reconstructions (nor codes of the data)
            reconstruct(model, x if anomaly_view and not own_scores else x[:2000])
            if model.has_encoder
            else x[:0]
        )
        if len(recon) and ds.kind == "image":
            body = fig(lambda p: plots.reconstructions(x[:12], recon[:12], p, n=12),
                       "test images (top) and their reconstructions (bottom)")  # fmt: skip
            sections.append(("reconstructions", "Reconstructions", body))
        elif len(recon) and ds.kind in ("series", "audio"):
            pick = np.sort(np.random.default_rng(seed).choice(
                len(x), min(SIGNAL_PANELS, len(x)), replace=False))  # fmt: skip
            titles = [_class_name(ds, c) for c in y[pick]] if y is not None else None
            audio = ds.kind == "audio"
            what = "spectrograms" if audio else "series"
            body = fig(lambda p: plots.signal_reconstructions(
                x[pick], reconstruct(model, x[pick]), p, titles, title=f"test {what} (seeded pick)",
                spectrogram=audio), f"test {what} and their reconstructions")  # fmt: skip
            sections.append(("reconstructions", "Reconstructions", body))
        elif len(recon):
            per_feature = ((recon - x[: len(recon)]) ** 2).reshape(len(recon), -1).mean(0)
            names = ds.column_names()
            what = "words" if ds.kind == "text" else "columns"
            raw = "TF-IDF weights" if ds.kind == "text" else "input units"
            units = {"standard": "standardized units", "identity": raw}.get(
                ds.scaler.kind, "scaled units"
            )
            caption = f"per-{what[:-1]} test reconstruction error ({units})"
            encoding = table_features({"features": ds.features})
            if encoding is not None and encoding.encodes:  # by the table's own columns
                groups = encoding.groups()
                names = [c for c, _ in groups]
                per_feature = np.array([per_feature[g].sum() for _, g in groups])
                caption += "; a column's one-hot (and missing-value) features summed"
            body = fig(lambda p: plots.feature_errors(names, per_feature, p, units=units,
                                                      title=f"worst-reconstructed {what}"),
                       caption)  # fmt: skip
            sections.append(("reconstructions", f"Reconstruction by {what[:-1]}", body))
        # -- metrics
        rows = []
        for k, (label, meaning, better) in METRICS.items():
            if scores.get(k) is not None:
                arrow = {"higher": "higher is better", "lower": "lower is better"}.get(better, "")
                rows.append(f"<tr><th>{_esc(label)}</th><td class='num'>{_fmt(scores[k])}</td>"
                            f"<td>{_esc(meaning)}</td><td class='note'>{arrow}</td></tr>")  # fmt: skip
        notes = []
        if "iw_nll" in scores:
            notes.append(f"ELBO and IW NLL: {scores.get('likelihood')} likelihood, "
                         f"{scores.get('iw_samples')} importance samples on {scores.get('iw_rows')} test rows.")  # fmt: skip
        if "frechet_distance" in scores:
            space = scores.get("generation_space", "fashion-mnist classifier features")
            where = ("in the features of aekit's shipped Fashion-MNIST classifier"
                     if space == "fashion-mnist classifier features" else
                     "in " + space.replace("data", "the model's scaled data", 1))  # fmt: skip
            notes.append(f"Generation metrics: {scores.get('generated_n')} samples against as many real test "
                         f"samples, {where}; the floors compare the other half of the test set with the "
                         "same samples.")  # fmt: skip
        body = (f"<p class='note'>Test split, {_fmt(scores.get('n'))} samples.</p>"
                "<table><tr><th>metric</th><th>value</th><th>what it measures</th><th></th></tr>"
                + "".join(rows) + "</table>" + "".join(f"<p class='note'>{_esc(n)}</p>" for n in notes))  # fmt: skip
        if scores.get("per_class"):
            head = (
                "<tr><th>class</th><th>n</th><th>MSE</th>"
                + ("<th>PSNR</th><th>SSIM</th>" if ds.kind == "image" else "")
                + "</tr>"
            )
            body += "<h3>Per class</h3><table>" + head + "".join(
                f"<tr><td>{_esc(c)}</td><td class='num'>{_fmt(m.get('n'))}</td><td class='num'>{_fmt(m.get('mse'))}</td>"
                + (f"<td class='num'>{_fmt(m.get('psnr'))}</td><td class='num'>{_fmt(m.get('ssim'))}</td>" if ds.kind == "image" else "")
                + "</tr>" for c, m in scores["per_class"].items()) + "</table>"  # fmt: skip
        sections.append(("metrics", "Metrics", body))
        # -- latent map
        if len(x) >= 10 and model.has_encoder:
            idx = subsample(len(x), MAP_POINTS, seed)
            codes = encode(model, x[idx])
            method = "codes" if codes.shape[1] == 2 else map_method
            coords = codes if method == "codes" else map_2d(codes, method, seed)
            labels = ds.y_test[idx] if ds.y_test is not None else None
            what = (
                "the 2-D codes"
                if method == "codes"
                else f"{method.upper() if method != 'tsne' else 't-SNE'} of the {codes.shape[1]}-d codes"
            )
            sections.append(("map", "Latent map", fig(
                lambda p: plots.scatter_map(coords, labels, p, class_names=ds.class_names,
                                            title=f"{what}, {len(idx):,} test samples"),
                "2-D map of the test codes")))  # fmt: skip
        # -- text: nearest training documents in code space
        if ds.kind == "text" and ds.documents is not None and model.has_encoder and len(x):
            sections.append(("neighbours", "Nearest neighbours", _neighbours(model, ds, seed)))
        # -- samples
        if is_generative(model):
            sections.append(("samples", "Samples", _samples(model, ds, x, fig, seed, scores)))
        # -- anomaly view: two test classes
        if anomaly_view:
            if own_scores:
                score = np.asarray(detection["test_scores"])  # type: ignore[index]
            else:
                score = ((recon - x) ** 2).reshape(len(x), -1).mean(1)
            body = _anomaly(ds, score, fig, detection)
            if ds.kind == "series":
                body += _overlay(model, ds, fig, seed)
            if ds.kind == "image":
                body += _ranked_images(model, x, score, fig)
            sections.append(("anomaly", "Anomaly scores", body))
    sections.sort(key=lambda sec: ORDER.index(sec[0]))
    nav = "".join(f'<a href="#{a}">{_esc(t)}</a>' for a, t, _ in sections)
    summary = _summary(info, ds, scores, train_info, model.has_encoder, detection)
    stamp = time.strftime("%Y-%m-%d %H:%M")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>aekit report: {_esc(name)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>aekit report: {_esc(name)}</h1>",
        f"<p class='sub'>{_esc(info.get('model'))} on {_esc(ds.name)} · written {stamp} by aekit {__version__}</p>",
        f"<p class='summary'>{summary}</p><nav>{nav}</nav>",
    ]  # fmt: skip
    parts += [f'<section id="{a}"><h2>{_esc(t)}</h2>{body}</section>' for a, t, body in sections]
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _pairs(y: np.ndarray | None, n: int, k: int, seed: int) -> list[tuple[int, int]]:
    """k pairs of test indices, from different classes when labels exist."""
    if n < 2:
        return []
    rng = np.random.default_rng(seed)
    pairs: list[tuple[int, int]] = []
    for _ in range(50 * k):
        a, b = (int(i) for i in rng.choice(n, 2, replace=False))
        if y is None or y[a] != y[b]:
            pairs.append((a, b))
        if len(pairs) == k:
            break
    return pairs


def _anomaly(ds: Dataset, score: np.ndarray, fig: _Figures,
             detection: dict[str, Any] | None = None) -> str:  # fmt: skip
    """A per-row score of the test rows (reconstruction error, or a detector's own score) as an
    anomaly score: the rarer test class is the positive one (for a detector's run, label 1),
    with the detector's threshold and its precision/recall."""
    from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

    from . import plots

    y = np.asarray(ds.y_test)
    classes, counts = np.unique(y, return_counts=True)
    positive = 1 if detection is not None and 1 in classes else classes[np.argmin(counts)]
    truth = (y == positive).astype(int)
    auc = float(roc_auc_score(truth, score))
    ap = float(average_precision_score(truth, score))
    fpr, tpr, _ = roc_curve(truth, score)
    names = {c: _class_name(ds, c) for c in classes}
    which = "label" if detection is not None else "the rarer test class"
    what = "The detector's score" if detection is not None else "Per-row reconstruction error"
    body = (f"<p>{what} as an anomaly score, {which} "
            f"(<b>{_esc(names[positive])}</b>, {int(truth.sum()):,} of {len(y):,} rows) as the "
            f"anomalies: ROC-AUC <b>{auc:.4f}</b>, PR-AUC (average precision) <b>{ap:.4f}</b> "
            f"(chance: {truth.mean():.4f}).</p>")  # fmt: skip
    t = (detection or {}).get("test")
    if t:
        body += _table([
            ("threshold (score)", detection["threshold"]),  # type: ignore[index]
            ("contamination", detection["contamination"]),  # type: ignore[index]
            ("flagged on the test split", f"{t['n_flagged']:,} of {t['n']:,}"),
            ("precision at the threshold", t["precision"]), ("recall at the threshold", t["recall"]),
            ("F1 at the threshold", t["f1"]),
        ])  # fmt: skip
    body += '<div class="figs">' + fig(
        lambda p: plots.score_histogram(score, y, names, p, title="anomaly score by class",
                                        threshold=(detection or {}).get("threshold"),
                                        xlabel="detector score" if detection is not None else None),
        "histogram of anomaly scores by class",
    ) + fig(lambda p: plots.roc_curve(fpr, tpr, auc, p, title="ROC of the anomaly score"),
            "ROC curve of the anomaly score") + "</div>"  # fmt: skip
    return body


def _samples(model, ds: Dataset, x: np.ndarray, fig: _Figures, seed: int,
             scores: dict[str, Any]) -> str:  # fmt: skip
    """Samples from the prior in the form that fits the data (tasks.generate.Forms): images,
    lines or spectrograms, per-feature histograms over the real test rows `x` (dense), or each
    sample's heaviest words; for images and signals also interpolations between pairs of test
    inputs (a GAN: between the noise vectors of pairs of samples); on Fashion-MNIST the class
    histogram of the samples."""
    from . import plots
    from .tasks.generate import Forms, interpolate, lerp_codes, sample

    forms = Forms(model, ds.scaler, ds.describe(), real=x[:2000])
    n = SAMPLES_SHOWN[forms.kind]
    gen = sample(model, n, seed)
    if not forms.has_figures:
        rows = "".join(f"<tr><td>{i}</td><td>{_esc(forms.words(v))}</td></tr>"
                       for i, v in enumerate(gen))  # fmt: skip
        return ("<p class='note'>Samples from the prior: the words each decoded sample weighs "
                "most, heaviest first.</p><table><tr><th>sample</th><th>words</th></tr>"
                f"{rows}</table>")  # fmt: skip
    body = fig(lambda p: forms.samples_figure(gen, p, f"{n} samples from the prior"),
               "samples from the prior")  # fmt: skip
    lines: list[np.ndarray] = []
    if forms.kind in INTERPOLATION_STEPS and not model.has_encoder:
        z = model.prior(8, torch.Generator().manual_seed(seed)).cpu().numpy()
        lines = [lerp_codes(model, z[i], z[i + 1]) for i in range(0, 8, 2)]
        title, alt = ("interpolations between samples",
                      "interpolations between the noise vectors of pairs of samples")  # fmt: skip
    elif forms.kind in INTERPOLATION_STEPS:
        steps = INTERPOLATION_STEPS[forms.kind]
        lines = [interpolate(model, x[a], x[b], steps=steps)
                 for a, b in _pairs(ds.y_test, len(x), 4, seed)]  # fmt: skip
        what = "images" if forms.kind == "image" else "inputs"
        title, alt = (
            f"interpolations between test {what}",
            f"interpolations between pairs of test {what}",
        )
    if lines:
        body += fig(lambda p: forms.path_figure(lines, [""] * len(lines), p, title), alt)
    if scores.get("generated_class_shares"):
        shares = scores["generated_class_shares"]
        cls = ds.class_names or [str(i) for i in range(len(shares))]
        body += fig(lambda p: plots.class_shares(
            shares, cls, p, reference=1 / len(shares),
            title=f"classes of {scores.get('generated_n')} samples "
                  f"({scores.get('class_coverage')} of {len(shares)} covered)"),
            "class histogram of generated samples")  # fmt: skip
    return f'<div class="figs">{body}</div>'


def _neighbours(model, ds: Dataset, seed: int) -> str:
    """A few test documents, each with its 3 nearest training documents (cosine distance
    between codes) and their labels."""
    assert ds.documents is not None
    z_train, z_test = encode(model, ds.x_train), encode(model, ds.x_test)
    norm = lambda z: z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)  # noqa: E731
    z_train, z_test = norm(z_train), norm(z_test)
    picks = np.random.default_rng(seed).choice(len(z_test), min(NEIGHBOUR_DOCS, len(z_test)),
                                               replace=False)  # fmt: skip
    label = lambda y, i: f" [{_esc(_class_name(ds, y[i]))}]" if y is not None else ""  # noqa: E731
    short = lambda t: _esc(t if len(t) <= 160 else t[:157] + "...")  # noqa: E731
    rows = []
    for i in picks:
        near = np.argsort(-(z_train @ z_test[i]))[:3]
        cells = "".join(f"<li>{short(str(ds.documents['train'][j]))}{label(ds.y_train, j)}</li>"
                        for j in near)  # fmt: skip
        rows.append(f"<tr><td>{short(str(ds.documents['test'][i]))}{label(ds.y_test, i)}</td>"
                    f"<td><ol>{cells}</ol></td></tr>")  # fmt: skip
    return ("<p class='note'>Test documents and the training documents nearest to them in code "
            "space (cosine similarity of the codes); labels in brackets.</p><table><tr><th>test "
            "document</th><th>nearest training documents</th></tr>" + "".join(rows) + "</table>")  # fmt: skip


def _overlay(model, ds: Dataset, fig: _Figures, seed: int) -> str:
    """Five test series of each class (normal, then the anomalies), seeded, drawn with their
    reconstructions."""
    from . import plots

    y = np.asarray(ds.y_test)
    classes, counts = np.unique(y, return_counts=True)
    rng = np.random.default_rng(seed)
    groups = {}
    for c in classes[np.argsort(-counts, kind="stable")]:
        idx = np.sort(
            rng.choice(np.flatnonzero(y == c), min(5, int((y == c).sum())), replace=False)
        )
        groups[_class_name(ds, c)] = (ds.x_test[idx, 0], reconstruct(model, ds.x_test[idx])[:, 0])
    return fig(
        lambda p: plots.series_overlay(groups, p, title="test series by class"),
        "test series of each class and their reconstructions",
    )


RANKED = 10  # test images shown at each end of the anomaly score


def _ranked_images(model, x: np.ndarray, score: np.ndarray, fig: _Figures) -> str:
    """The test images the score ranks most and least anomalous, each above what the model
    reconstructs of it: where a person sees what the detector flags."""
    from . import plots

    order = np.argsort(-score, kind="stable")
    top, bottom = order[:RANKED], order[::-1][:RANKED]
    rows = [x[top], reconstruct(model, x[top]), x[bottom], reconstruct(model, x[bottom])]
    labels = ["highest scores", "reconstructed", "lowest scores", "reconstructed"]
    return fig(
        lambda p: plots.image_rows(rows, labels, p, title="test images by anomaly score"),
        f"the {len(top)} test images scored most anomalous and the {len(bottom)} scored least, "
        "each above its reconstruction",
    )


def _class_name(ds: Dataset, c: Any) -> str:
    names = ds.class_names
    if names and str(c).lstrip("-").isdigit() and 0 <= int(c) < len(names):
        return str(names[int(c)])
    return str(c)


def _summary(
    info: dict[str, Any], ds: Dataset, s: dict[str, Any], train: dict[str, Any], encoder: bool,
    detection: dict[str, Any] | None = None,
) -> str:  # fmt: skip
    cfg = info.get("config", {})
    what = "code" if encoder else "noise vector"
    head = f"A <b>{_esc(info.get('model'))}</b> model with a {_fmt(cfg.get('latent'))}-d {what}"
    if "epochs_run" in train:
        head += f", trained {train['epochs_run']} epoch{'s' * (train['epochs_run'] != 1)}"
        if train.get("train_seconds") is not None:
            sec = float(train["train_seconds"])  # a short run's 0.4 s read "0 s"
            head += f" in {sec:.1f} s" if sec < 10 else f" in {sec:,.0f} s"
    if detection is not None and detection.get("n_fit") is not None:
        # a detector fits on the training and validation rows (only the normal ones with
        # --normal-only), not on the training split alone
        which = "normal rows" if detection.get("normal_only") else "rows"
        head += (
            f" on {_esc(ds.name)}, fitted on {detection['n_fit']:,} {which} of the training"
            " and validation splits."
        )
    else:
        head += f" on {_esc(ds.name)} ({ds.x_train.shape[0]:,} training samples)."
    bits = []
    if s.get("psnr") is not None:
        bits.append(f"test PSNR <b>{s['psnr']:.2f} dB</b>, SSIM {s['ssim']:.3f}")
    elif s.get("mse") is not None:
        bits.append(f"test MSE <b>{s['mse']:.4g}</b>")
    if s.get("probe_accuracy") is not None:
        bits.append(f"a linear probe on the codes scores <b>{100 * s['probe_accuracy']:.1f}%</b>")
    if s.get("iw_nll") is not None:
        bits.append(f"IW NLL {s['iw_nll']:.1f} nats")
    if s.get("frechet_distance") is not None:
        bits.append(
            f"Fréchet distance {s['frechet_distance']:.3g} (floor {s['frechet_floor']:.3g})"
        )
        if s.get("class_coverage") is not None:
            n_classes = len(s.get("generated_class_shares") or []) or "the"
            bits[-1] += f", {s['class_coverage']} of {n_classes} classes covered"
    return head + (" " + "; ".join(bits) + "." if bits else "")


def write_report(path: str | Path, page: str) -> Path:
    p = Path(path)
    if p.parent and not p.parent.exists():
        raise AekitError(f"{p.parent} does not exist")
    atomic_write_bytes(p, page.encode("utf-8"))
    return p


def report_run(
    run: str | Path,
    data: str | Path | None = None,
    out: str | Path | None = None,
    *,
    data_dir: str | None = None,
    map_method: str = "tsne",
    device: str = "cpu",
) -> Path:
    """Write the report of a trained run (default: RUN/report.html). With the run's own data,
    the metrics recorded at training are shown; other DATA is evaluated afresh."""
    from .tasks.common import load_run
    from .tasks.evaluate import evaluate, evaluation_data

    ck = load_run(run, device=device, need_encoder=False)  # a GAN has a report too
    ds = evaluation_data(ck, data, data_dir)
    run_dir = ck.path if ck.path is not None else Path(run)
    info = ck.info
    recorded = {k[5:]: v for k, v in info.get("metrics", {}).items() if k.startswith("test_")}
    if data is None and recorded.get("mse") is not None:
        scores = recorded
    else:
        from .runs import TRAIN_IW_SAMPLES

        scores = evaluate(ck.model, ds, iw_samples=TRAIN_IW_SAMPLES)
    detection = None
    summary = run_dir / "summary.json"
    detector_run = ck.train_config.get("estimator") == "AnomalyDetector" and summary.is_file()
    if detector_run and data is None:  # an `aekit detect` run: show the detector's own scores
        from .estimators import AnomalyDetector

        det = AnomalyDetector.from_checkpoint(ck)
        raw_test = ck.scaler.inverse_transform(ds.x_test)
        detection = {**json.loads(summary.read_text()), "test_scores": det._scores(raw_test)}
    csv_path = run_dir / "metrics.csv"
    history = History.from_csv(csv_path) if csv_path.is_file() else None
    if history is not None:
        history.steps = read_steps(run_dir / STEPS_CSV)
    page = build_report(ck.model, ds, info, scores, history, name=run_dir.name,
                        map_method=map_method, detection=detection)  # fmt: skip
    return write_report(Path(out) if out is not None else run_dir / REPORT, page)
