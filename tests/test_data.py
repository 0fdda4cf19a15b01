"""Loaders read real files; errors name the problem; scaler and splits behave."""

import gzip
import hashlib
import http.server
import threading
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import scipy.io
from PIL import Image

from aekit import AekitError, load_dataset
from aekit.data import fashion_mnist, split_indices
from aekit.data.scaler import Scaler

from .conftest import FMNIST_DIR, needs_fmnist


def _idx(arr: np.ndarray) -> bytes:
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def _write_fake_fmnist(d: Path, n_train=50, n_test=20, gz=True):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test),
    }
    for stem, a in arrays.items():
        data = _idx(a)
        (d / (stem + ".gz" if gz else stem)).write_bytes(gzip.compress(data) if gz else data)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_idx_files_gzipped_or_raw(tmp_path, gz):
    arrays = _write_fake_fmnist(tmp_path, gz=gz)
    ds = load_dataset("fashion-mnist", data_dir=tmp_path, val_fraction=0.2)
    assert ds.x_test.shape == (20, 1, 28, 28) and len(ds.x_train) + len(ds.x_val) == 50
    raw = ds.scaler.inverse_transform(ds.x_test[:, 0])
    assert np.allclose(raw, arrays["t10k-images-idx3-ubyte"], atol=1e-3)
    assert list(ds.y_test) == list(arrays["t10k-labels-idx1-ubyte"])


def test_env_var_overrides_dir(tmp_path, monkeypatch):
    _write_fake_fmnist(tmp_path)
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path))
    assert len(load_dataset("fashion-mnist").x_test) == 20


def test_missing_fmnist_says_how_to_get_it(tmp_path):
    with pytest.raises(AekitError, match="apt-get install dataset-fashion-mnist"):
        load_dataset("fashion-mnist", data_dir=tmp_path)


def test_truncated_idx_is_refused(tmp_path):
    _write_fake_fmnist(tmp_path, gz=False)
    p = tmp_path / "t10k-images-idx3-ubyte"
    p.write_bytes(p.read_bytes()[:-10])
    with pytest.raises(AekitError, match="truncated or corrupt"):
        load_dataset("fashion-mnist", data_dir=tmp_path)


@needs_fmnist
def test_real_fashion_mnist_test_split():
    x_train, y_train, x_test, y_test = fashion_mnist.load_arrays(FMNIST_DIR)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_test).tolist() == [1000] * 10
    ds = load_dataset("fashion-mnist", limit=2000)
    assert ds.x_test.shape == (10000, 1, 28, 28) and 0 <= ds.x_test.min() and ds.x_test.max() <= 1
    assert ds.scaler.to_dict() == {"kind": "minmax", "min": 0.0, "max": 255.0}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@pytest.fixture
def local_server(tmp_path):
    root = tmp_path / "mirror"
    root.mkdir()
    handler = lambda *a, **k: _Quiet(*a, directory=str(root), **k)  # noqa: E731
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()


def test_download_verifies_sha256(local_server, tmp_path, monkeypatch):
    root, url = local_server
    arrays = _write_fake_fmnist(root)
    # pretend the fake files are the real ones: their checksums become the expected ones
    fake = {s: hashlib.sha256(_idx(a)).hexdigest() for s, a in arrays.items()}
    monkeypatch.setattr(fashion_mnist, "FILES", fake)
    dest = tmp_path / "dl"
    fashion_mnist.download(dest, url, progress=False)
    assert len(load_dataset("fashion-mnist", data_dir=dest).x_test) == 20

    # a damaged file on the server is refused and leaves nothing behind
    bad = root / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(gzip.compress(_idx(np.zeros(20))))
    dest2 = tmp_path / "dl2"
    with pytest.raises(AekitError, match="checksum mismatch"):
        fashion_mnist.download(dest2, url, progress=False)
    assert not (dest2 / "t10k-labels-idx1-ubyte.gz").exists()
    assert not list(dest2.glob(".part-*"))


def test_download_unreachable_is_clear(tmp_path):
    with pytest.raises(AekitError, match="cannot download"):
        fashion_mnist.download(tmp_path, "http://127.0.0.1:9/", progress=False)


def test_real_fmnist_checksums_match_debian_files():
    if not Path(FMNIST_DIR, "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip("Fashion-MNIST not installed")
    for stem, sha in fashion_mnist.FILES.items():
        data = fashion_mnist._read_bytes(fashion_mnist.find_file(Path(FMNIST_DIR), stem))
        assert hashlib.sha256(data).hexdigest() == sha


def test_digits_splits_are_deterministic():
    a = load_dataset("digits", seed=3)
    b = load_dataset("digits", seed=3)
    c = load_dataset("digits", seed=4)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_test, c.y_test)
    assert len(a.x_train) + len(a.x_val) + len(a.x_test) == 1797
    tr, va, te = split_indices(100, 0, 0.1, 0.2)
    assert len(te) == 20 and len(va) == 8 and len(set(tr) | set(va) | set(te)) == 100


def test_scaler_fitted_on_train_only(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(5.0, 2.0, (400, 3)).astype(np.float32)
    pd.DataFrame(x, columns=["a", "b", "c"]).to_csv(tmp_path / "t.csv", index=False)
    ds = load_dataset(tmp_path / "t.csv", seed=0)
    assert np.allclose(ds.x_train.mean(0), 0, atol=1e-5) and np.allclose(
        ds.x_train.std(0), 1, atol=1e-4
    )
    assert not np.allclose(ds.x_test.mean(0), 0, atol=1e-3)  # test split is scaled, not re-fitted
    s = Scaler.from_dict(ds.scaler.to_dict())
    assert np.allclose(
        s.inverse_transform(ds.x_test),
        s.inverse_transform(s.transform(s.inverse_transform(ds.x_test))),
    )


def test_csv_with_labels_and_errors(tmp_path):
    df = pd.DataFrame({"f1": [1.0, 2, 3, 4, 5] * 4, "f2": range(20), "label": [0, 1] * 10})
    df.to_csv(tmp_path / "ok.csv", index=False)
    ds = load_dataset(tmp_path / "ok.csv", label_column="label")
    assert ds.feature_names == ["f1", "f2"] and ds.kind == "table"
    assert set(ds.y_train) <= {0, 1}
    with pytest.raises(AekitError, match="no label column 'Class'"):
        load_dataset(tmp_path / "ok.csv", label_column="Class")
    df.to_csv(tmp_path / "semicolons.csv", sep=";", index=False)
    with pytest.raises(AekitError, match="seems to be separated by ';'"):
        load_dataset(tmp_path / "semicolons.csv")
    df.assign(city=[f"c{i}" for i in range(20)]).to_csv(tmp_path / "ids.csv", index=False)
    with pytest.raises(AekitError, match="ids.csv: column 'city' holds 14 distinct text values"):
        with mock.patch("aekit.data.table_features.MAX_CATEGORIES", 10):
            load_dataset(tmp_path / "ids.csv")
    df.assign(f2=[None] + list(range(19))).to_csv(tmp_path / "nan.csv", index=False)
    with pytest.raises(AekitError, match="missing values in column.*f2"):
        load_dataset(tmp_path / "nan.csv")
    df.assign(f1=[np.inf] + [1.0] * 19).to_csv(tmp_path / "inf.csv", index=False)
    with pytest.raises(AekitError, match=r"infinite values in column\(s\) f1$"):
        load_dataset(tmp_path / "inf.csv")
    df.assign(f2=[1e39] + [1.0] * 19).to_csv(tmp_path / "huge.csv", index=False)  # > float32 max
    with pytest.raises(AekitError, match=r"infinite values in column\(s\) f2$"):
        load_dataset(tmp_path / "huge.csv")


def test_parquet(tmp_path):
    pd.DataFrame({"a": np.arange(30.0), "b": np.arange(30.0) ** 2}).to_parquet(
        tmp_path / "t.parquet"
    )
    ds = load_dataset(tmp_path / "t.parquet")
    assert ds.sample_shape == (2,) and len(ds.x_train) + len(ds.x_val) + len(ds.x_test) == 30


def test_npy_npz_mat(tmp_path):
    x = np.random.default_rng(0).random((40, 6))
    y = np.arange(40) % 2
    np.save(tmp_path / "x.npy", x)
    np.savez(tmp_path / "x.npz", X=x, y=y)
    scipy.io.savemat(tmp_path / "x.mat", {"X": x, "y": y[:, None]})
    np.save(tmp_path / "imgs.npy", np.random.default_rng(0).integers(0, 255, (30, 12, 10)))
    assert load_dataset(tmp_path / "x.npy").y_train is None
    for f in ("x.npz", "x.mat"):
        ds = load_dataset(tmp_path / f)
        assert ds.sample_shape == (6,) and ds.y_train is not None
    img = load_dataset(tmp_path / "imgs.npy")
    assert img.kind == "image" and img.sample_shape == (1, 12, 10)
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}] * 3, dtype=object))
    with pytest.raises(AekitError, match="cannot read array"):  # pickled objects are refused
        load_dataset(tmp_path / "obj.npy")


def test_real_odds_table():
    path = Path(__file__).parents[2] / "shared/data/anomaly/4_breastw.npz"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    ds = load_dataset(path)
    assert ds.sample_shape == (9,) and set(np.unique(ds.y_test)) <= {0, 1}


def test_image_folder_gray_rgb_resized_with_labels(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("cats", "dogs"):
        (tmp_path / "g" / cls).mkdir(parents=True)
        for i in range(6):
            size = (20, 16) if i % 2 else (40, 32)
            Image.fromarray(rng.integers(0, 255, size[::-1], dtype=np.uint8)).save(
                tmp_path / "g" / cls / f"{i}.png"
            )
    ds = load_dataset(tmp_path / "g", image_size=(16, 20))
    assert ds.sample_shape == (1, 16, 20) and ds.class_names == ["cats", "dogs"]
    (tmp_path / "c").mkdir()
    for i in range(5):
        Image.fromarray(rng.integers(0, 255, (12, 12, 3), dtype=np.uint8)).save(
            tmp_path / "c" / f"{i}.jpg"
        )
    ds = load_dataset(tmp_path / "c")
    assert ds.sample_shape == (3, 12, 12) and ds.y_train is None and ds.x_train.max() <= 1.0


def test_sixteen_bit_png_keeps_its_grey_levels(tmp_path):
    from aekit.data.images import read_folder

    ramp = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1040).astype(np.uint16)  # 0..65520
    (tmp_path / "d").mkdir()
    Image.fromarray(ramp).save(tmp_path / "d" / "a.png")  # 16-bit grey (Pillow mode I;16)
    assert Image.open(tmp_path / "d" / "a.png").mode.startswith("I")
    x, _, _, _ = read_folder(tmp_path / "d")
    assert x.shape == (1, 1, 8, 8)  # converting to "L" clipped every level above 255
    assert np.allclose(x[0, 0], ramp / 257.0, atol=1e-3) and len(np.unique(x)) == 64
    rgb = np.zeros((8, 8, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "d" / "b.png")  # beside colour: three equal channels
    x, _, _, _ = read_folder(tmp_path / "d")
    assert x.shape == (2, 3, 8, 8) and np.allclose(x[0], ramp / 257.0, atol=1e-3)


def test_unknown_sources_are_clear(tmp_path):
    with pytest.raises(AekitError, match="not found"):
        load_dataset("no/such/file.csv")
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(AekitError, match="unsupported file type"):
        load_dataset(tmp_path / "x.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(AekitError, match="no PNG or JPEG"):
        load_dataset(tmp_path / "empty")
