"""Entropy coding of quantized codes and the aekit compressed-file format.

Integer symbols (N, D) are coded column by column with rANS (the `constriction` package), each
column under its own categorical model: the histogram of that column in this batch, stored in
the file. One file holds one batch:

  b"AEKZ" | u16 version | u32 header length | header (JSON) | tables (zlib) | payload | SHA-256

The header says what produced the codes (model, weights checksum, quantization step) so that
the same decoder is used to read them; the final SHA-256 covers every byte before it, so a
damaged or truncated file is refused before anything is decoded.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from typing import Any

import numpy as np

from .errors import AekitError

MAGIC = b"AEKZ"
VERSION = 2  # the newest format this aekit reads; 2 adds a residual layer (aekit.tasks.compress)
_PREFIX = struct.Struct("<4sHI")


def _coder_modules():
    try:
        import constriction
    except ImportError:  # pragma: no cover - a dependency of aekit
        raise AekitError(
            "compression needs the 'constriction' package: pip install constriction"
        ) from None
    return constriction.stream.stack.AnsCoder, constriction.stream.model.Categorical


def _tables(symbols: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per column: the smallest symbol and the counts of symbols from it upwards."""
    lo = symbols.min(0)
    counts = [np.bincount(symbols[:, d] - lo[d]).astype(np.uint32) for d in range(symbols.shape[1])]
    return lo.astype(np.int64), counts


def encode_symbols(symbols: np.ndarray) -> tuple[dict[str, Any], bytes, bytes]:
    """Entropy-code integer symbols (N, D). Returns (header fields, tables, payload)."""
    AnsCoder, Categorical = _coder_modules()
    symbols = np.asarray(symbols, dtype=np.int64)
    n, d = symbols.shape
    lo, counts = _tables(symbols)
    coder = AnsCoder()
    for j in reversed(range(d)):  # a stack: decoded in forward order
        if len(counts[j]) == 1:
            continue  # a constant column costs nothing
        model = Categorical(counts[j].astype(np.float64), perfect=False)
        coder.encode_reverse((symbols[:, j] - lo[j]).astype(np.int32), model)
    payload = coder.get_compressed().astype("<u4").tobytes()
    tables = zlib.compress(np.concatenate(counts).astype("<u4").tobytes(), 9)
    fields = {
        "n": int(n),
        "columns": int(d),
        "offsets": lo.tolist(),
        "alphabet": [len(c) for c in counts],
    }
    return fields, tables, payload


def decode_symbols(fields: dict[str, Any], tables: bytes, payload: bytes) -> np.ndarray:
    AnsCoder, Categorical = _coder_modules()
    n, d = int(fields["n"]), int(fields["columns"])
    sizes = [int(s) for s in fields["alphabet"]]
    flat = np.frombuffer(zlib.decompress(tables), dtype="<u4")
    if len(flat) != sum(sizes) or len(sizes) != d:
        raise AekitError("compressed file: probability tables do not match the header")
    coder = AnsCoder(np.frombuffer(payload, dtype="<u4").astype(np.uint32).copy())
    out = np.empty((n, d), dtype=np.int64)
    start = 0
    for j in range(d):
        c = flat[start : start + sizes[j]]
        start += sizes[j]
        if sizes[j] == 1:
            out[:, j] = 0
        else:
            out[:, j] = coder.decode(Categorical(c.astype(np.float64), perfect=False), n)
        out[:, j] += int(fields["offsets"][j])
    return out


def write_file(header: dict[str, Any], tables: bytes, payload: bytes, version: int = 1) -> bytes:
    """The bytes of one compressed file (header JSON, tables, payload, checksum). `version`: the
    oldest format that can read it (files an older aekit can read are written as such)."""
    head = json.dumps(
        {**header, "tables_bytes": len(tables), "payload_bytes": len(payload)},
        separators=(",", ":"),
    ).encode()
    body = _PREFIX.pack(MAGIC, version, len(head)) + head + tables + payload
    return body + hashlib.sha256(body).digest()


def read_file(data: bytes, name: str = "file") -> tuple[dict[str, Any], bytes, bytes]:
    """(header, tables, payload) of a compressed file; AekitError if it is not one or damaged."""
    if len(data) < _PREFIX.size + 32 or data[:4] != MAGIC:
        raise AekitError(f"{name} is not an aekit compressed file")
    body, digest = data[:-32], data[-32:]
    if hashlib.sha256(body).digest() != digest:
        raise AekitError(f"{name}: checksum mismatch; the file is damaged or truncated")
    _, version, head_len = _PREFIX.unpack_from(body)
    if version > VERSION:
        raise AekitError(f"{name} was written by a newer aekit (format {version}); upgrade aekit")
    at = _PREFIX.size
    header = json.loads(body[at : at + head_len])
    at += head_len
    tables = body[at : at + header["tables_bytes"]]
    at += header["tables_bytes"]
    payload = body[at : at + header["payload_bytes"]]
    return header, tables, payload
