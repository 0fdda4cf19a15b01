"""Where training runs: device placement, backward, and (later) processes.

`fit` talks to an Engine only through these few methods, so a data-parallel engine
(torch DDP or Lightning Fabric) can replace `LocalEngine` without a second training loop:
it would wrap the model in `setup`, give each process its `shard` of every batch order,
and average metrics across processes in `reduce_mean`.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from .errors import AekitError


def pick_device(preference: str = "auto") -> torch.device:
    """ "auto": CUDA when present, else CPU; or an explicit "cpu", "cuda", "cuda:1", "mps".
    AekitError, in one line, for a name torch does not know or a device this machine lacks."""
    if preference == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(preference)
    except (RuntimeError, TypeError):
        raise AekitError(
            f"unknown device {preference!r}: use auto, cpu, cuda, cuda:N or mps"
        ) from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise AekitError(
                f"device {preference!r}: this machine has no CUDA device that torch "
                f"{torch.__version__} can use; use auto or cpu"
            )
        if device.index is not None and device.index >= count:
            raise AekitError(
                f"device {preference!r}: there are {count} CUDA device(s), 0..{count - 1}"
            )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise AekitError(f"device {preference!r}: MPS is not available here; use auto or cpu")
    return device


def describe_device(device: torch.device) -> str:
    """What a run trained on, for its records: "cpu", or "cuda:0 (NVIDIA H100 80GB HBM3)"."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return str(device)


def set_threads_from_env() -> None:
    """Honour AEKIT_NUM_THREADS (tests and benchmarks pin torch to a known thread count)."""
    n = os.environ.get("AEKIT_NUM_THREADS")
    if n:
        torch.set_num_threads(int(n))


class LocalEngine:
    """One process, one device."""

    is_main = True
    world_size = 1

    def __init__(self, device: str = "auto"):
        self.device = pick_device(device)

    def setup(self, model: nn.Module) -> nn.Module:
        return model.to(self.device)

    def to_device(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(self.device, non_blocking=True)

    def shard(self, order: torch.Tensor) -> torch.Tensor:
        return order

    def backward(self, loss: torch.Tensor) -> None:
        loss.backward()

    def reduce_mean(self, x: torch.Tensor) -> torch.Tensor:
        return x
