"""Tables with categorical (text) columns: one-hot encoded over the training split's categories,
saved with the model, and applied the same way to every later file."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from aekit import load_dataset
from aekit.cli import main
from aekit.data.base import split_indices
from aekit.data.table_features import MISSING, TableFeatures
from aekit.errors import AekitError, AekitNote
from aekit.tasks.detect import detect_fit, detect_score

CHANNEL = {"grocery": "chip", "fuel": "chip", "online": "web", "travel": "web"}
LOG_AMOUNT = {"grocery": 3.0, "fuel": 3.8, "online": 4.0, "travel": 6.0}


def transactions(n: int = 1500, n_anomalies: int = 40, seed: int = 0) -> pd.DataFrame:
    """Honestly synthetic card transactions: the merchant sets the channel (chip or web) and
    the amount's scale. Anomalies are normal in every number but paid through the other
    channel: only the categorical columns can tell them apart."""
    rng = np.random.default_rng(seed)
    merchant = rng.choice(list(CHANNEL), n, p=[0.4, 0.25, 0.25, 0.1])
    channel = np.array([CHANNEL[m] for m in merchant], dtype=object)
    y = np.zeros(n, int)
    bad = rng.choice(n, n_anomalies, replace=False)
    y[bad] = 1
    channel[bad] = np.where(channel[bad] == "chip", "web", "chip")
    amount = np.exp([LOG_AMOUNT[m] for m in merchant] + 0.3 * rng.standard_normal(n))
    return pd.DataFrame({"amount": amount.round(2), "hour": rng.integers(7, 22, n),
                         "merchant": merchant, "channel": channel, "label": y})  # fmt: skip


def test_text_columns_are_one_hot_encoded_over_the_training_split(tmp_path):
    df = transactions(200)
    train, _, test = split_indices(len(df), 0, 0.1, 0.2)
    df.loc[test[:3], "merchant"] = "casino"  # a category only the test split holds
    df.loc[train[0], "channel"] = np.nan
    df.to_csv(tmp_path / "tx.csv", index=False)
    with pytest.warns(AekitNote, match=r"column 'merchant': 3 row\(s\) hold categories the model "
                      r"was not trained on \('casino'\); they are encoded as none of its 4"):  # fmt: skip
        ds = load_dataset(tmp_path / "tx.csv", label_column="label")
    assert ds.feature_names == [
        "amount", "hour", "merchant=fuel", "merchant=grocery", "merchant=online",
        "merchant=travel", f"channel={MISSING}", "channel=chip", "channel=web",
    ]  # fmt: skip
    assert ds.features == {"type": "table", "columns": ["amount", "hour", "merchant", "channel"],
                           "categories": {"merchant": ["fuel", "grocery", "online", "travel"],
                                          "channel": [MISSING, "chip", "web"]},
                           "fill": {}, "indicators": []}  # fmt: skip
    raw = ds.scaler.inverse_transform(ds.x_test)
    rows = df.iloc[test]
    assert np.allclose(raw[:, 0], rows["amount"], rtol=1e-5) and (raw[:, 1] == rows["hour"]).all()
    one_hot = raw[:, 2:6]
    assert np.allclose(one_hot[:3], 0, atol=1e-5)  # casino: none of the known merchants
    known = [["fuel", "grocery", "online", "travel"].index(m) for m in rows["merchant"][3:]]
    assert (one_hot[3:].argmax(1) == known).all() and np.allclose(one_hot[3:].sum(1), 1)
    train_raw = ds.scaler.inverse_transform(ds.x_train)
    assert np.isclose(train_raw[:, 6], 1).sum() == 1  # the one missing channel
    # a trained model's features read another file the same way, its columns in any order
    df.iloc[::-1, ::-1].to_csv(tmp_path / "again.csv", index=False)
    with pytest.warns(AekitNote):
        again = load_dataset(tmp_path / "again.csv", label_column="label", val_fraction=0.0,
                             test_fraction=0.0, features=json.loads(json.dumps(ds.features)))  # fmt: skip
    assert again.feature_names == ds.feature_names
    assert np.allclose(again.scaler.inverse_transform(again.x_train)[::-1][test],
                       raw, atol=1e-4)  # fmt: skip


def test_categorical_table_errors_are_one_line(tmp_path, capsys):
    df = transactions(100)
    df.assign(hour=df.hour.astype(object).where(df.index != 4, "late")).to_csv(
        tmp_path / "mixed.csv", index=False
    )
    with pytest.raises(AekitError, match=r"column 'hour' holds numbers and text \('late' at data "
                       r"row 5\); make it all numbers, or all categories"):  # fmt: skip
        load_dataset(tmp_path / "mixed.csv", label_column="label")
    df.assign(amount=df.amount.where(df.index != 7)).to_csv(tmp_path / "nan.csv", index=False)
    with pytest.raises(AekitError, match="missing value in column 'amount' at data row 8"):
        load_dataset(tmp_path / "nan.csv", label_column="label")
    ids = transactions(200)
    ids.assign(id=[f"t{i}" for i in range(200)]).to_csv(tmp_path / "ids.csv", index=False)
    code = main(["train", str(tmp_path / "ids.csv"), "--label-column", "label", "--epochs", "1",
                 "--out", str(tmp_path / "run")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and not (tmp_path / "run").exists()
    assert "ids.csv: column 'id' holds 144 distinct text values in the training split" in err
    assert "drop it (an ID or free text?)" in err
    times = pd.date_range("2026-01-01", periods=200, freq="37min").astype(str)
    ids.assign(time=times).to_csv(tmp_path / "times.csv", index=False)
    with pytest.raises(AekitError, match="column 'time' holds 144 distinct text values in the "
                       "training split; .* they look like dates or times: turn them into numbers"):  # fmt: skip
        load_dataset(tmp_path / "times.csv", label_column="label")
    saved = TableFeatures(["amount", "merchant", "channel", "city"], {"merchant": ["fuel"]})
    with pytest.raises(AekitError, match="the columns differ from training; missing: city; "
                       "unexpected: hour"):  # fmt: skip
        load_dataset(tmp_path / "ids.csv", label_column="label", features=saved.to_dict())


def test_detector_flags_what_only_the_categories_show_and_names_the_column(tmp_path):
    df = transactions()
    df.to_csv(tmp_path / "tx.csv", index=False)
    s = detect_fit(tmp_path / "tx.csv", tmp_path / "det", label_column="label", normal_only=True,
                   report=False)  # fmt: skip
    assert s["features"][2:4] == ["merchant=fuel", "merchant=grocery"]
    assert s["test"]["roc_auc"] > 0.95
    # the same rows without their categorical columns: the anomalies look normal
    df.drop(columns=["merchant", "channel"]).to_csv(tmp_path / "numbers.csv", index=False)
    blind = detect_fit(tmp_path / "numbers.csv", tmp_path / "blind", label_column="label",
                       normal_only=True, report=False)  # fmt: skip
    assert blind["test"]["roc_auc"] < 0.75

    new = transactions(300, seed=1)
    new.loc[[0, 150], "merchant"] = ["casino", "lottery"]  # unseen: one note for the file
    new.to_csv(tmp_path / "new.csv", index=False)
    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always")
        detect_score(tmp_path / "det", tmp_path / "new.csv", tmp_path / "a.csv", chunk_rows=70)
    notes = [str(w.message) for w in notes if issubclass(w.category, AekitNote)]
    assert notes == ["column 'merchant': 2 row(s) hold categories the model was not trained on "
                     "('casino', 'lottery'); they are encoded as none of its 4 categories"]  # fmt: skip
    with pytest.warns(AekitNote):
        detect_score(tmp_path / "det", tmp_path / "new.csv", tmp_path / "b.csv", chunk_rows=10_000)
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    assert np.allclose(a["score"], b["score"]) and (a["top_1"] == b["top_1"]).all()
    assert list(a.columns[:5]) == list(new.columns)  # the rows as they came, text included
    assert a["merchant"].tolist() == new["merchant"].tolist()
    assert roc_auc_score(a["label"], a["score"]) > 0.95
    flagged = a.groupby("label")["is_anomaly"].mean()
    assert flagged[1] > 0.5 and flagged[0] < 0.05
    # a row paid through the wrong channel is explained by its categorical columns, by name
    caught = a[(a.label == 1) & (a.is_anomaly == 1)]
    assert caught["top_1"].isin(["channel", "merchant"]).mean() > 0.7
    assert set(a["top_1"]) <= {"amount", "hour", "merchant", "channel"}


def test_train_info_and_generate_speak_in_the_tables_columns(tmp_path, capsys):
    transactions(600).to_csv(tmp_path / "tx.csv", index=False)
    run = tmp_path / "vae"
    assert main(["train", str(tmp_path / "tx.csv"), "--label-column", "label", "--model", "vae",
                 "--latent", "4", "--epochs", "3", "--out", str(run), "--no-progress"]) == 0  # fmt: skip
    assert main(["info", str(run)]) == 0
    assert "one-hot: merchant (4), channel (2)" in capsys.readouterr().out
    assert main(["generate", str(run), "--n", "50", "--out", str(tmp_path / "gen")]) == 0
    gen = pd.read_csv(tmp_path / "gen" / "samples.csv")
    assert list(gen.columns) == ["sample", "amount", "hour", "merchant", "channel"]
    assert set(gen["merchant"]) <= set(CHANNEL) and set(gen["channel"]) <= {"chip", "web"}
    assert (tmp_path / "gen" / "samples.png").is_file()


def test_fill_missing_fills_numbers_with_the_training_median_and_marks_them(tmp_path, capsys):
    df = transactions(400)
    train, _, test = split_indices(len(df), 0, 0.1, 0.2)
    df["amount"] = df["amount"].astype(float)
    df.loc[train[:30], "amount"] = np.nan
    df.loc[test[:5], "amount"] = np.nan
    df.loc[test[5:8], "hour"] = np.nan  # none missing in training: filled, no indicator
    df.to_csv(tmp_path / "holes.csv", index=False)
    with pytest.raises(AekitError, match="missing value in column 'amount' at data row "
                       f"{train[0] + 1}; a model trained with --fill-missing fills them"):  # fmt: skip
        load_dataset(tmp_path / "holes.csv", label_column="label")
    ds = load_dataset(tmp_path / "holes.csv", label_column="label", fill_missing=True)
    assert ds.feature_names[:3] == ["amount", f"amount={MISSING}", "hour"]
    fill = ds.features["fill"]
    kept = df.loc[train].dropna(subset=["amount"])
    assert fill["amount"] == pytest.approx(np.median(kept["amount"]))
    assert fill["hour"] == pytest.approx(np.median(df.loc[train, "hour"]))
    assert ds.features["indicators"] == ["amount"]
    raw = ds.scaler.inverse_transform(ds.x_test)
    assert np.allclose(raw[:5, 0], fill["amount"]) and np.allclose(
        raw[:, 1], np.r_[[1] * 5, [0] * 75]
    )
    assert np.allclose(raw[5:8, 2], fill["hour"])
    assert np.allclose(raw[8:, 0], df.loc[test[8:], "amount"], rtol=1e-5)
    encoding = TableFeatures.from_dict(json.loads(json.dumps(ds.features)))
    decoded = encoding.decode(raw)
    assert np.isnan(decoded["amount"][:5]).all() and not np.isnan(decoded["amount"][5:]).any()
    # numbers only: filled the same way, and every later file through the saved encoding
    df.drop(columns=["merchant", "channel"]).to_csv(tmp_path / "numbers.csv", index=False)
    code = main(["detect", "fit", str(tmp_path / "numbers.csv"), "--label-column", "label",
                 "--fill-missing", "--out", str(tmp_path / "det"), "--no-progress"])  # fmt: skip
    assert code == 0
    code = main(["detect", "score", str(tmp_path / "det"), str(tmp_path / "numbers.csv"),
                 "--out", str(tmp_path / "scored.csv")])  # fmt: skip
    assert code == 0
    scored = pd.read_csv(tmp_path / "scored.csv")
    assert len(scored) == 400 and np.isfinite(scored["score"]).all()
    assert scored["amount"].isna().sum() == 35  # the rows as they came
    capsys.readouterr()
    for data in ("digits", str(tmp_path / "x.npy")):
        np.save(tmp_path / "x.npy", np.ones((10, 3)))
        code = main(["train", data, "--fill-missing", "--out", str(tmp_path / "no")])
        err = capsys.readouterr().err
        assert code == 2 and "--fill-missing applies to tables" in err and err.count("\n") == 1


def test_the_report_charts_errors_by_the_tables_own_columns(tmp_path):
    from unittest import mock

    from aekit import plots

    transactions(300).to_csv(tmp_path / "tx.csv", index=False)
    seen = {}

    def spy(names, errors, path, **kw):
        seen.update(names=list(names), errors=np.asarray(errors))
        return real(names, errors, path, **kw)

    real = plots.feature_errors
    with mock.patch.object(plots, "feature_errors", spy):
        assert main(["train", str(tmp_path / "tx.csv"), "--label-column", "label", "--epochs", "1",
                     "--out", str(tmp_path / "run"), "--no-progress"]) == 0  # fmt: skip
    assert seen["names"] == ["amount", "hour", "merchant", "channel"]
    assert len(seen["errors"]) == 4 and (seen["errors"] > 0).all()
    page = (tmp_path / "run" / "report.html").read_text()
    assert "a column&#x27;s one-hot (and missing-value) features summed" in page
    # a table of numbers, its report made again (its data read by column name): no such note
    pd.DataFrame(np.random.default_rng(0).normal(size=(100, 3)), columns=list("abc")).to_csv(
        tmp_path / "n.csv", index=False
    )
    assert main(["train", str(tmp_path / "n.csv"), "--epochs", "1", "--out",
                 str(tmp_path / "n"), "--no-progress", "--no-report"]) == 0  # fmt: skip
    assert main(["report", str(tmp_path / "n"), "--out", str(tmp_path / "n.html")]) == 0
    assert "one-hot" not in (tmp_path / "n.html").read_text()


def test_a_table_model_reads_new_files_by_column_name(tmp_path, capsys):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(200, 4)), columns=["a", "b", "c", "d"])
    df.to_csv(tmp_path / "t.csv", index=False)
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "t.csv"), "--epochs", "1", "--out", str(run),
                 "--no-progress", "--no-report"]) == 0  # fmt: skip
    df[["d", "c", "b", "a"]].to_csv(tmp_path / "reordered.csv", index=False)
    df.rename(columns={"b": "b2"}).to_csv(tmp_path / "renamed.csv", index=False)
    for name in ("t", "reordered"):
        assert main(["encode", str(run), str(tmp_path / f"{name}.csv"),
                     "--out", str(tmp_path / f"{name}_codes.csv")]) == 0  # fmt: skip
    a, b = (pd.read_csv(tmp_path / f"{n}_codes.csv") for n in ("t", "reordered"))
    assert np.array_equal(a.to_numpy(), b.to_numpy())  # the same codes, whatever the order
    capsys.readouterr()
    for command in ("encode", "evaluate"):  # as many columns, but not the same ones
        argv = [command, str(run), str(tmp_path / "renamed.csv")]
        code = main(argv + (["--out", str(tmp_path / "x.csv")] if command == "encode" else []))
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1, err
        assert "renamed.csv: the columns differ from training; missing: b; unexpected: b2" in err
    assert not (tmp_path / "x.csv").exists()


def test_a_number_beyond_float32_is_refused_as_infinite_in_later_files(tmp_path, capsys):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "c"])
    df.to_csv(tmp_path / "t.csv", index=False)
    run = tmp_path / "run"
    assert main(["train", str(tmp_path / "t.csv"), "--epochs", "1", "--out", str(run),
                 "--no-progress", "--no-report"]) == 0  # fmt: skip
    df.assign(b=df.b.where(df.index != 3, 1e39)).to_csv(tmp_path / "big.csv", index=False)
    capsys.readouterr()
    for command in ("encode", "evaluate"):
        argv = [command, str(run), str(tmp_path / "big.csv")]
        code = main(argv + (["--out", str(tmp_path / "x.csv")] if command == "encode" else []))
        err = capsys.readouterr().err
        assert code == 2 and "infinite value in column 'b' at data row 4" in err, err
    assert not (tmp_path / "x.csv").exists()
