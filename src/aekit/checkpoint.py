"""Checkpoints: safetensors weights + a JSON file; rebuilt from the files alone, never unpickled.

A run folder holds
  model.safetensors, model.json   the model to use (best validation epoch): name, config,
                                  scaler, data description, training config, metrics, version
  state.safetensors, state.json   the latest epoch's weights and optimizer state, for --resume
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensor_bytes
from safetensors.torch import save as tensor_bytes

from . import __version__
from .data.scaler import Scaler
from .errors import AekitError
from .registry import build_model

FORMAT = "aekit-checkpoint"
FORMAT_VERSION = 1
MODEL_JSON = "model.json"
MODEL_WEIGHTS = "model.safetensors"
STATE_JSON = "state.json"
STATE_WEIGHTS = "state.safetensors"


@dataclass
class Checkpoint:
    """A loaded model with everything saved beside it."""

    model: Any  # aekit.models.Autoencoder
    scaler: Scaler
    data: dict[str, Any] = field(default_factory=dict)
    train_config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)  # the whole model.json
    path: Path | None = None


def _mismatch(e: Exception, limit: int = 300) -> str:
    """The telling line of torch's load_state_dict error: its first line only says "Error(s) in
    loading state_dict for X:"; the next names the key and both shapes."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    line = next((ln for ln in lines[1:] if not ln.endswith(":")), lines[0] if lines else str(e))
    return line if len(line) <= limit else line[: limit - 3] + "..."


def check_folder(out: str | Path) -> Path:
    """OUT as a Path, refused in one line if it exists and is not a folder; nothing is
    created (the folder appears with the first file written into it)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise AekitError(f"{out} exists and is not a folder")
    return out


def temp_beside(path: Path) -> tuple[int, Path]:
    """A new, hidden file in `path`'s folder to be renamed onto `path` once complete: an open
    descriptor and its name. Created as open() would (mode 0666 less the umask), unlike
    tempfile.mkstemp's 0600."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_npy(path: Path, array: Any) -> None:
    """np.save, atomically: `path` appears only complete (and never a pickled object array)."""
    import numpy as np

    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, np.asarray(array), allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=_json_default) + "\n").encode())


def _json_default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON-serializable: {type(o).__name__}")


def save_tensors(path: Path, tensors: dict[str, torch.Tensor]) -> str:
    """Write tensors atomically; returns the SHA-256 of the bytes written."""
    data = tensor_bytes({k: v.detach().cpu().contiguous() for k, v in tensors.items()})
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def read_tensors(path: Path, sha256: str | None) -> dict[str, torch.Tensor]:
    """Read a safetensors file once, checking its SHA-256 when one is recorded."""
    if not path.is_file():
        raise AekitError(f"{path.parent}: weights file {path.name} is missing")
    raw = path.read_bytes()
    if sha256 and hashlib.sha256(raw).hexdigest() != sha256:
        raise AekitError(f"{path}: checksum mismatch; the file is damaged or was replaced")
    try:
        return load_tensor_bytes(raw)
    except SafetensorError as e:
        raise AekitError(f"{path}: not a readable safetensors file ({e})") from None


def save_model(
    directory: str | Path,
    model: Any,
    *,
    scaler: Scaler | None = None,
    data: dict[str, Any] | None = None,
    train_config: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Write model.safetensors + model.json into `directory` (created if needed)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    if not getattr(model, "registry_name", ""):
        raise ValueError("only models built with aekit.build_model can be saved")
    digest = save_tensors(d / MODEL_WEIGHTS, model.state_dict())
    info = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "aekit_version": __version__,
        "model": model.registry_name,
        "config": model.config,
        "num_parameters": model.num_parameters(),
        "scaler": (scaler or Scaler()).to_dict(),
        "data": data or {},
        "train_config": train_config or {},
        "metrics": metrics or {},
        "weights": MODEL_WEIGHTS,
        "weights_sha256": digest,
    }
    write_json(d / MODEL_JSON, info)
    return d


def update_metrics(directory: str | Path, metrics: dict[str, Any]) -> None:
    """Merge `metrics` into a saved model.json."""
    p = Path(directory) / MODEL_JSON
    info = json.loads(p.read_text())
    info["metrics"] = {**info.get("metrics", {}), **metrics}
    write_json(p, info)


def read_info(path: str | Path) -> tuple[dict[str, Any], Path]:
    """model.json's content and the folder it lives in; AekitError if `path` is no checkpoint."""
    p = Path(path)
    if p.is_dir():
        p = p / MODEL_JSON
    elif p.suffix == ".safetensors":
        p = p.with_name(MODEL_JSON)
    if not p.is_file():
        raise AekitError(f"{path} is not an aekit checkpoint (no {MODEL_JSON})")
    try:
        info = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise AekitError(f"{p}: not valid JSON ({e})") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise AekitError(f"{p} is not an aekit checkpoint (format is not {FORMAT!r})")
    if int(info.get("format_version", 0)) > FORMAT_VERSION:
        raise AekitError(
            f"{p} was written by a newer aekit (format {info['format_version']}); upgrade aekit"
        )
    return info, p.parent


def load(path: str | Path, device: str | torch.device = "cpu") -> Checkpoint:
    """Rebuild a model from a run folder (or its model.json / model.safetensors)."""
    info, d = read_info(path)
    wpath = d / info.get("weights", MODEL_WEIGHTS)
    state = read_tensors(wpath, info.get("weights_sha256"))
    model = build_model(info["model"], **info["config"])
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise AekitError(f"{wpath}: weights do not fit the model ({_mismatch(e)})") from None
    model.to(device).eval()
    return Checkpoint(
        model=model,
        scaler=Scaler.from_dict(info.get("scaler", {"kind": "identity"})),
        data=info.get("data", {}),
        train_config=info.get("train_config", {}),
        metrics=info.get("metrics", {}),
        info=info,
        path=d,
    )


# -- resumable training state ---------------------------------------------------------------
def save_state(
    directory: str | Path,
    model: torch.nn.Module,
    optimizers: dict[str, torch.optim.Optimizer],
    info: dict[str, Any],
) -> None:
    """Latest weights + optimizer state (tensors to safetensors, the rest to JSON)."""
    d = Path(directory)
    tensors = {f"model/{k}": v for k, v in model.state_dict().items()}
    opt_json: dict[str, Any] = {}
    for name, opt in optimizers.items():
        sd = opt.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for idx, st in sd["state"].items():
            for key, val in st.items():
                if isinstance(val, torch.Tensor):
                    tensors[f"opt/{name}/{idx}/{key}"] = val
                else:
                    scalars.setdefault(str(idx), {})[key] = val
        opt_json[name] = {"param_groups": sd["param_groups"], "scalars": scalars}
    digest = save_tensors(d / STATE_WEIGHTS, tensors)
    write_json(d / STATE_JSON, {**info, "optimizers": opt_json, "weights_sha256": digest})


def load_state(
    directory: str | Path,
    model: torch.nn.Module,
    optimizers: dict[str, torch.optim.Optimizer],
) -> dict[str, Any]:
    """Restore what save_state wrote into `model` and `optimizers`; returns the JSON info."""
    d = Path(directory)
    if not (d / STATE_JSON).is_file() or not (d / STATE_WEIGHTS).is_file():
        raise AekitError(f"{d}: nothing to resume (no {STATE_JSON})")
    info = json.loads((d / STATE_JSON).read_text())
    tensors = read_tensors(d / STATE_WEIGHTS, info.get("weights_sha256"))
    try:
        model.load_state_dict(
            {k[len("model/") :]: v for k, v in tensors.items() if k.startswith("model/")}
        )
    except RuntimeError as e:
        raise AekitError(f"{d}: saved state does not fit this model ({_mismatch(e)})") from None
    device = next(model.parameters()).device
    for name, opt in optimizers.items():
        oj = info["optimizers"].get(name)
        if oj is None:
            raise AekitError(f"{d}: no saved state for optimizer {name!r}")
        state: dict[int, dict[str, Any]] = {}
        prefix = f"opt/{name}/"
        for k, v in tensors.items():
            if k.startswith(prefix):
                idx, key = k[len(prefix) :].split("/", 1)
                state.setdefault(int(idx), {})[key] = v if key == "step" else v.to(device)
        for idx, sc in oj["scalars"].items():
            state.setdefault(int(idx), {}).update(sc)
        opt.load_state_dict({"state": state, "param_groups": oj["param_groups"]})
    return info
