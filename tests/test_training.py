"""fit: determinism, resume, early stopping, files, several optimizers, devices."""

import csv
import io

import numpy as np
import pytest
import torch
from torch import nn

from aekit import AekitError, TrainConfig, build_model, fit
from aekit.engine import LocalEngine, pick_device
from aekit.models.base import Autoencoder


def _weights(m):
    return {k: v.clone() for k, v in m.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("name", ["mlp", "conv-vae"])
def test_same_seed_same_weights(name, digits):
    runs = []
    for _ in range(2):
        torch.manual_seed(123)  # fit must not depend on the global RNG state it finds
        m = build_model(name, input_shape=digits.sample_shape, latent=4, noise="gaussian:0.2")
        torch.manual_seed(999)
        fit(m, digits, TrainConfig(epochs=2, progress=False, seed=5))
        runs.append(_weights(m))
    assert _same(*runs)
    m = build_model(name, input_shape=digits.sample_shape, latent=4, noise="gaussian:0.2")
    fit(m, digits, TrainConfig(epochs=2, progress=False, seed=6))
    assert not _same(runs[0], _weights(m))


def test_resume_continues_exactly(digits, tmp_path):
    cfg = TrainConfig(epochs=4, progress=False, seed=1)
    torch.manual_seed(0)
    full = build_model("mlp", input_shape=digits.sample_shape, latent=4, noise="mask:0.2")
    h_full = fit(full, digits, cfg, out_dir=tmp_path / "full")
    state_full = _weights(full)

    # the same run, interrupted after its second epoch's checkpoint, then resumed
    torch.manual_seed(0)
    first = build_model("mlp", input_shape=digits.sample_shape, latent=4, noise="mask:0.2")
    import aekit.training as tr

    calls = {"n": 0}
    orig = tr.ckpt.save_state

    def save_then_stop(*a, **k):
        orig(*a, **k)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt

    tr.ckpt.save_state = save_then_stop
    try:
        with pytest.raises(KeyboardInterrupt):
            fit(first, digits, cfg, out_dir=tmp_path / "cut")
    finally:
        tr.ckpt.save_state = orig
    fresh = build_model("mlp", input_shape=digits.sample_shape, latent=4, noise="mask:0.2")
    h_res = fit(fresh, digits, cfg, out_dir=tmp_path / "cut", resume=True)
    assert [r["epoch"] for r in h_res.rows] == [0, 1, 2, 3]
    assert h_res.rows[-1]["val_loss"] == pytest.approx(h_full.rows[-1]["val_loss"], rel=1e-6)
    assert _same(_weights(fresh), state_full)


def test_run_folder_files_and_metrics_csv(digits, tmp_path):
    m = build_model("conv", input_shape=digits.sample_shape, latent=4)
    h = fit(m, digits, TrainConfig(epochs=3, progress=False), out_dir=tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "model.json",
        "model.safetensors",
        "state.json",
        "state.safetensors",
        "metrics.csv",
    } <= names
    rows = list(csv.DictReader(open(tmp_path / "metrics.csv")))
    assert len(rows) == 3 and {"train_loss", "val_loss", "lr", "seconds"} <= set(rows[0])
    assert float(rows[-1]["val_loss"]) == pytest.approx(h.rows[-1]["val_loss"])


def test_early_stopping_keeps_best_weights(digits):
    m = build_model("mlp", input_shape=digits.sample_shape, latent=4)
    # a huge constant learning rate makes validation loss stop improving quickly
    h = fit(
        m, digits, TrainConfig(epochs=40, lr=0.5, schedule="constant", patience=2, progress=False)
    )
    assert h.stopped_early and len(h.rows) < 40
    assert h.best_epoch == min(range(len(h.rows)), key=lambda i: h.rows[i]["val_loss"])


def test_lr_schedule():
    cfg = TrainConfig(lr=1.0, schedule="cosine", warmup_fraction=0.1)
    lrs = [cfg.lr_at(s, 100) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and max(lrs) == pytest.approx(1.0)
    assert lrs[-1] < 0.01 and all(a >= b for a, b in zip(lrs[10:], lrs[11:]))
    assert TrainConfig(schedule="constant", lr=0.3).lr_at(50, 100) == 0.3


def test_bad_configs():
    with pytest.raises(AekitError):
        TrainConfig(epochs=0)
    with pytest.raises(AekitError):
        TrainConfig(optimizer="sgd")


def test_wrong_input_shape_is_clear(digits):
    m = build_model("conv", input_shape=(1, 28, 28), latent=4)
    with pytest.raises(
        AekitError, match=r"expects samples of shape \(1, 28, 28\), got \(1, 8, 8\)"
    ):
        fit(m, digits, TrainConfig(epochs=1, progress=False))


class TwoGroups(Autoencoder):
    """A toy model with two optimizers: 'ae' updates the autoencoder, 'critic' a scalar."""

    def __init__(self, input_shape=(8,), latent=2):
        super().__init__(input_shape, latent, output="linear")
        self.encoder = nn.Linear(8, 2)
        self.decoder = nn.Linear(2, 8)
        self.critic = nn.Parameter(torch.zeros(()))
        self.seen = []

    def parameter_groups(self):
        return {
            "ae": [*self.encoder.parameters(), *self.decoder.parameters()],
            "critic": [self.critic],
        }

    def loss(self, x, group="main"):
        self.seen.append(group)
        if group == "critic":
            c = (self.critic - 3.0) ** 2
            return {"critic": c, "loss": c}
        return super().loss(x)


def test_one_loop_serves_several_optimizers():
    m = TwoGroups()
    m.registry_name = "toy"
    x = torch.randn(256, 8)
    h = fit(
        m,
        (x, x[:32]),
        TrainConfig(epochs=30, batch_size=64, lr=0.1, schedule="constant", progress=False),
    )
    assert m.seen[:2] == ["ae", "critic"]
    assert m.critic.item() == pytest.approx(3.0, abs=0.3)
    assert {"train_ae_loss", "train_critic_loss"} <= set(h.rows[0])


def test_device_choice(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert pick_device().type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device().type == "cuda"
    assert pick_device("cpu").type == "cpu"
    assert LocalEngine("cpu").device.type == "cpu"
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert pick_device("cuda:1").index == 1
    with pytest.raises(AekitError, match=r"there are 2 CUDA device\(s\), 0..1"):
        pick_device("cuda:2")


def test_a_device_this_machine_lacks_is_one_clear_error(monkeypatch):
    from aekit.tasks.finetune import FinetuneConfig

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for make in (TrainConfig, FinetuneConfig):  # before anything is written
        with pytest.raises(AekitError, match="no CUDA device that torch .* can use; use auto"):
            make(device="cuda")
        with pytest.raises(AekitError, match="unknown device 'tpu'"):
            make(device="tpu")
        assert make(device="cpu").device == "cpu"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_trains_on_cuda(digits):
    m = build_model("conv", input_shape=digits.sample_shape, latent=4)
    fit(m, digits, TrainConfig(epochs=1, progress=False))
    assert next(m.parameters()).device.type == "cuda"
    from aekit.engine import describe_device

    name = describe_device(next(m.parameters()).device)
    assert name.startswith("cuda:") and name.endswith(")") and len(name) > len("cuda:0 ()")


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_bars_only_on_a_terminal(digits, capsys):
    from aekit.progress import progress_bar

    for tty in (True, False):
        s = _Stream(tty)
        for _ in progress_bar(range(3), show=True, desc="work", file=s, mininterval=0):
            pass
        assert ("work" in s.getvalue()) is tty
    s = _Stream(True)
    list(progress_bar(range(3), show=False, desc="work", file=s))
    assert s.getvalue() == ""
    # training with its output captured (as in a log file): one line per epoch, no bar redraws
    m = build_model("mlp", input_shape=digits.sample_shape, latent=4)
    capsys.readouterr()
    fit(m, digits, TrainConfig(epochs=2, progress=True))
    out, err = capsys.readouterr()
    assert [ln.split(":")[0] for ln in out.splitlines()] == ["epoch 1/2", "epoch 2/2"]
    assert err == ""


def test_fit_on_sparse_rows_trains_exactly_as_on_dense_rows():
    import scipy.sparse

    from aekit.metrics import encode

    x = scipy.sparse.random(400, 150, density=0.05, format="csr", random_state=1, dtype=np.float32)
    cfg = TrainConfig(epochs=2, batch_size=64, progress=False)
    nets = [build_model("mlp", seed=0, input_shape=(150,), latent=8) for _ in range(2)]
    h_sparse = fit(nets[0], (x[:300], x[300:]), cfg)
    h_dense = fit(nets[1], (x[:300].toarray(), x[300:].toarray()), cfg)
    assert h_sparse.rows[-1]["val_loss"] == h_dense.rows[-1]["val_loss"]
    a, b = (n.state_dict() for n in nets)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert np.array_equal(encode(nets[0], x), encode(nets[1], x.toarray()))


@pytest.mark.parametrize(
    "bad, message",
    [({"weight_decay": -0.1}, "weight_decay must be >= 0"), ({"patience": 0}, "patience must be"),
     ({"grad_clip": 0.0}, "grad_clip must be > 0"), ({"warmup_fraction": 1.0}, "warmup_fraction"),
     ({"epochs": 1.5}, "whole numbers, got 1.5"), ({"seed": -1}, "seed must be a whole number")],
)  # fmt: skip
def test_train_config_refuses_values_torch_would_fail_on_later(bad, message):
    with pytest.raises(AekitError, match=message):
        TrainConfig(**bad)


def test_fit_refuses_non_finite_data_and_reads_samples_as_the_model_does(tmp_path):
    import warnings

    cfg = TrainConfig(epochs=1, progress=False)
    net = build_model("mlp", input_shape=(4,), latent=2, hidden=(8,))
    with pytest.raises(AekitError, match="the training data hold NaN or infinite values"):
        fit(net, np.full((10, 4), np.nan), cfg)  # was "training diverged ... lower the lr"
    (tmp_path / "a_file").write_text("")
    with pytest.raises(AekitError, match="a_file exists and is not a folder"):  # FileExistsError
        fit(net, np.zeros((10, 4)), cfg, out_dir=tmp_path / "a_file")
    with pytest.raises(AekitError, match="the validation data hold NaN or infinite values"):
        fit(net, (np.zeros((10, 4)), np.array([[0.0, np.inf, 0.0, 0.0]])), cfg)
    x = np.random.default_rng(0).normal(size=(32, 2, 2)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "error"
        )  # broadcasting (32, 4) against (32, 2, 2) warned, then failed
        h = fit(net, (x, x[:8]), cfg)
    assert np.isfinite(h.rows[-1]["val_loss"])


@pytest.mark.parametrize("model", ["mlp", "conv", "vae", "gan"])
def test_a_latent_size_must_be_a_positive_whole_number(model):
    shape = (1, 8, 8)
    for bad in (0, -3, 2.5):  # 2.5 was built as 2
        with pytest.raises(AekitError, match=f"latent size must be a positive integer, got {bad}"):
            build_model(model, input_shape=shape, latent=bad)
    assert build_model(model, input_shape=shape, latent=2.0).latent == 2
