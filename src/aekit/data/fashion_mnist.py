"""Fashion-MNIST from IDX files (gzipped or raw), with an optional checksum-verified download."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from ..errors import AekitError
from ..progress import progress_bar

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
CACHE_DIR = Path(os.path.expanduser("~/.cache/aekit/fashion-mnist"))
DEFAULT_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
CLASS_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip
# SHA-256 of the *decompressed* IDX bytes: the same whichever way the .gz was compressed.
FILES = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
HOW_TO_GET = (
    "install it with 'apt-get install dataset-fashion-mnist' (Debian/Ubuntu), "
    "or run 'aekit download fashion-mnist', or point --data-dir / AEKIT_DATA at the IDX files"
)


def _read_bytes(path: Path) -> bytes:
    with path.open("rb") as f:
        head = f.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as f:  # type: ignore[operator]
            return f.read()
    except (OSError, EOFError) as e:
        raise AekitError(f"{path}: cannot read ({e})") from None


def parse_idx(data: bytes, source: str = "IDX data") -> np.ndarray:
    """Parse IDX bytes (unsigned-byte type) into an array of the stored shape."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise AekitError(f"{source}: not an IDX file (bad magic number)")
    if data[2] != 0x08:
        raise AekitError(f"{source}: IDX type 0x{data[2]:02x} unsupported (only unsigned bytes)")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    size = int(np.prod(shape))
    if len(data) != header + size:
        raise AekitError(
            f"{source}: truncated or corrupt (expected {header + size} bytes, found {len(data)})"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def find_file(data_dir: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (data_dir / name).is_file():
            return data_dir / name
    return None


def resolve_dir(data_dir: str | Path | None) -> Path:
    """--data-dir, else $AEKIT_DATA, else the Debian package's folder, else the download cache."""
    if data_dir is not None:
        return Path(data_dir)
    if os.environ.get("AEKIT_DATA"):
        return Path(os.environ["AEKIT_DATA"])
    if find_file(DEFAULT_DIR, "t10k-images-idx3-ubyte") is None and CACHE_DIR.is_dir():
        return CACHE_DIR
    return DEFAULT_DIR


def load_arrays(
    data_dir: str | Path | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train (60000, 28, 28) uint8, y_train, x_test (10000, 28, 28), y_test)."""
    d = resolve_dir(data_dir)
    arrays = []
    for stem in FILES:
        path = find_file(d, stem)
        if path is None:
            raise AekitError(f"Fashion-MNIST not found in {d} (no {stem}[.gz]); {HOW_TO_GET}")
        arrays.append(parse_idx(_read_bytes(path), str(path)))
    x_train, y_train, x_test, y_test = arrays
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise AekitError(f"Fashion-MNIST in {d}: image and label counts differ")
    return x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64)


def download(
    data_dir: str | Path | None = None, base_url: str = DEFAULT_URL, progress: bool = True
) -> Path:
    """Fetch the four .gz files into data_dir (default: the user cache), verifying SHA-256.

    A file that fails the check is deleted and reported; files already present and valid are kept.
    """
    d = Path(data_dir) if data_dir is not None else CACHE_DIR
    d.mkdir(parents=True, exist_ok=True)
    for stem, sha in FILES.items():
        target = d / (stem + ".gz")
        if target.is_file() and hashlib.sha256(_read_bytes(target)).hexdigest() == sha:
            continue
        url = base_url.rstrip("/") + "/" + stem + ".gz"
        fd, tmp_name = tempfile.mkstemp(dir=d, prefix=".part-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as resp:
                total = int(resp.headers.get("Content-Length") or 0) or None
                with progress_bar(
                    total=total, show=progress, unit="B", unit_scale=True, desc=stem
                ) as bar:
                    while chunk := resp.read(1 << 16):
                        out.write(chunk)
                        bar.update(len(chunk))
            got = hashlib.sha256(_read_bytes(tmp)).hexdigest()
            if got != sha:
                raise AekitError(
                    f"{url}: checksum mismatch (SHA-256 {got[:12]}..., expected {sha[:12]}...)"
                )
            shutil.move(str(tmp), target)
        except (urllib.error.URLError, OSError) as e:
            raise AekitError(f"cannot download {url}: {e}") from None
        finally:
            tmp.unlink(missing_ok=True)
    return d
