"""One registry of model families, feeding the Python API, the CLI and the estimators.

@register("mlp", "fully connected autoencoder, any hidden sizes")
class MLPAutoencoder(Autoencoder): ...

build_model("mlp", input_shape=(784,), latent=32)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from .errors import AekitError


@dataclass(frozen=True)
class ModelEntry:
    name: str
    cls: type
    description: str
    defaults: dict[str, Any]  # extra config that this entry adds to the class's own defaults
    role: str = "autoencoder"  # "autoencoder" (trained by `aekit train`) | "classifier"


_REGISTRY: dict[str, ModelEntry] = {}


def register(
    name: str, description: str, *, role: str = "autoencoder", **defaults: Any
) -> Callable[[type], type]:
    """Class decorator: add a model family under `name` (extra `defaults` make a variant)."""

    def deco(cls: type) -> type:
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} is registered twice")
        _REGISTRY[name] = ModelEntry(name, cls, description, dict(defaults), role)
        return cls

    return deco


def _ensure_loaded() -> None:
    from . import models  # noqa: F401  (importing registers the built-in families)


def list_models(role: str = "autoencoder") -> dict[str, str]:
    """Registered model names of a role -> one-line descriptions, in registration order."""
    _ensure_loaded()
    return {name: e.description for name, e in _REGISTRY.items() if e.role == role}


def get_entry(name: str) -> ModelEntry:
    _ensure_loaded()
    if name not in _REGISTRY:
        raise AekitError(f"unknown model {name!r}; choose one of: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def _parameters(cls: type) -> dict[str, inspect.Parameter]:
    """Constructor parameters of `cls`, following `**kwargs` up to the base classes that take
    them (the options every family shares are declared once, on the base class)."""
    params: dict[str, inspect.Parameter] = {}
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        sig = inspect.signature(vars(klass)["__init__"])
        for p in list(sig.parameters.values())[1:]:  # skip self
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                params.setdefault(p.name, p)
        if not any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
            break
    return params


def default_config(name: str) -> dict[str, Any]:
    """The options a registered model takes that have defaults, with those defaults (the
    entry's own over its class's): what build_model fills in where none is given."""
    entry = get_entry(name)
    return {
        k: entry.defaults.get(k, p.default)
        for k, p in _parameters(entry.cls).items()
        if k in entry.defaults or p.default is not p.empty
    }


def build_model(name: str, seed: int | None = None, **config: Any):
    """Build a registered model; unknown names and options give an AekitError naming them.

    With `seed`, the initial weights are drawn from that seed and the global RNG is left as
    it was.
    """
    entry = get_entry(name)
    params = _parameters(entry.cls)
    unknown = sorted(set(config) - set(params))
    if unknown:
        raise AekitError(
            f"model {name!r} does not take option(s) {', '.join(unknown)}; "
            f"it takes: {', '.join(sorted(params))}"
        )
    cfg = {**entry.defaults, **config}
    missing = [k for k, p in params.items() if p.default is p.empty and k not in cfg]
    if missing:
        hint = " (input_shape: the shape of one sample)" if "input_shape" in missing else ""
        raise AekitError(f"model {name!r} needs {', '.join(missing)}{hint}")
    full = {k: jsonable(cfg.get(k, p.default)) for k, p in params.items()}
    with torch.random.fork_rng(devices=[], enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        model = entry.cls(**full)
    model.registry_name = name
    model.config = full
    return model


def jsonable(v: Any) -> Any:
    """Tuples become lists, numpy scalars plain numbers: the config is stored as JSON."""
    if isinstance(v, (tuple, list)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if hasattr(v, "item") and callable(v.item):
        return v.item()
    return v
