"""Adversarial models (GAN, AAE) and what the training loop does for them: several optimizers,
steps logging with a probe, last-epoch selection; mode-collapse monitoring; the CLI surfaces."""

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from aekit import AekitError, TrainConfig, build_model, fit, list_models, metrics
from aekit.checkpoint import load
from aekit.cli import main
from aekit.models.adversarial import discriminator_terms
from aekit.monitor import CoverageProbe, collapsed
from aekit.tasks.common import read_summary
from aekit.training import _make_optimizer, read_steps

from .conftest import needs_fmnist


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def pixel_fd(a: np.ndarray, b: np.ndarray) -> float:
    return metrics.frechet_distance(a.reshape(len(a), -1), b.reshape(len(b), -1))


# -- the models -------------------------------------------------------------------------------
def test_registry_roles_and_clear_errors():
    assert "aae" in list_models() and "gan" not in list_models()
    assert "gan" in list_models("generator")
    with pytest.raises(AekitError, match=r"needs images of shape \(C, H, W\)"):
        build_model("gan", input_shape=(30,))
    with pytest.raises(AekitError, match="label_smoothing must be in"):
        build_model("gan", input_shape=(1, 8, 8), label_smoothing=0.7)
    with pytest.raises(AekitError, match="lr_d_scale must be > 0"):
        build_model("aae", input_shape=(1, 8, 8), lr_d_scale=0)
    gan = build_model("gan", input_shape=(1, 8, 8))
    with pytest.raises(AekitError, match="has no encoder"):
        gan.encode(torch.zeros(2, 1, 8, 8))


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (1, 8, 8), (3, 13, 17)])
def test_gan_shapes_grayscale_and_rgb(shape):
    gan = build_model("gan", input_shape=shape, latent=16, seed=0).eval()
    s = gan.sample(5, generator=torch.Generator().manual_seed(1))
    assert s.shape == (5, *shape) and float(s.min()) >= 0 and float(s.max()) <= 1
    assert gan.discriminator(s).shape == (5,)
    t = gan.sample(5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(s, t)  # seeded


def test_parameter_groups_split_the_players_and_carry_ttur_and_betas():
    gan = build_model("gan", input_shape=(1, 8, 8), lr_d_scale=3.0)
    groups = gan.parameter_groups()
    assert list(groups) == ["discriminator", "generator"]  # stepped in this order
    d = {id(p) for p in groups["discriminator"][0]["params"]}
    g = {id(p) for p in groups["generator"][0]["params"]}
    # every trained parameter (the averaged generator is no player: no optimizer sees it)
    assert d.isdisjoint(g) and d | g == {id(p) for p in gan.parameters() if p.requires_grad}
    opt = _make_optimizer(TrainConfig(lr=1e-3), groups["discriminator"])
    assert opt.param_groups[0]["lr_scale"] == 3.0 and opt.param_groups[0]["betas"] == (0.5, 0.999)
    aae = build_model("aae", input_shape=(1, 8, 8))
    ag = aae.parameter_groups()
    critic = {id(p) for p in aae.critic.parameters()}
    assert {id(p) for p in ag["main"]}.isdisjoint(critic)
    assert {id(p) for p in ag["discriminator"][0]["params"]} == critic


def test_each_loss_moves_only_its_player(digits):
    gan = build_model("gan", input_shape=digits.sample_shape, seed=0).train()
    x = torch.from_numpy(digits.x_train[:16])
    gan.loss(x, "generator")["loss"].backward()
    assert all(p.grad is None for p in gan.discriminator.parameters())
    assert all(p.grad is not None for p in gan.generator.parameters())
    gan.zero_grad(set_to_none=True)
    gan.loss(x, "discriminator")["loss"].backward()
    assert all(p.grad is None for p in gan.generator.parameters())  # fakes are detached
    players = [*gan.discriminator.parameters(), *gan.generator.parameters()]
    assert all(p.requires_grad for p in players)  # freezing is undone


def test_discriminator_loss_known_answers():
    big = torch.full((4,), 30.0)
    t = discriminator_terms(big, -big, 0.0)
    assert float(t["loss"]) < 1e-6 and float(t["acc_real"]) == 1 and float(t["acc_fake"]) == 1
    t = discriminator_terms(torch.zeros(4), torch.zeros(4), 0.0)
    assert float(t["loss"]) == pytest.approx(2 * math.log(2), rel=1e-6)
    # one-sided smoothing: the best real logit is log(0.9 / 0.1), no longer +infinity
    grid = torch.linspace(0, 5, 501)
    losses = [
        float(discriminator_terms(v.view(1), torch.full((1,), -30.0), 0.1)["loss"]) for v in grid
    ]
    assert float(grid[int(np.argmin(losses))]) == pytest.approx(math.log(9), abs=0.01)


def test_r1_penalty_of_a_linear_discriminator_is_its_weight_norm():
    gan = build_model("gan", input_shape=(1, 4, 4), r1=10.0, seed=0)
    lin = nn.Linear(16, 1)
    gan.discriminator = nn.Sequential(nn.Flatten(), lin)  # D(x) = w.x + b: grad_x D = w
    terms = gan.loss(torch.rand(8, 1, 4, 4), "discriminator")
    expected = float(lin.weight.detach().pow(2).sum())
    assert float(terms["r1"].detach()) == pytest.approx(expected, rel=1e-5)
    no_pen = build_model("gan", input_shape=(1, 4, 4), r1=0.0)
    assert "r1" not in no_pen.loss(torch.rand(8, 1, 4, 4), "discriminator")


def test_spectral_norm_is_a_switch():
    on = build_model("gan", input_shape=(1, 8, 8), spectral_norm=True)
    off = build_model("gan", input_shape=(1, 8, 8), spectral_norm=False)
    assert any("parametrizations" in k for k in on.state_dict())
    assert not any("parametrizations" in k for k in off.state_dict())
    # a spectrally normalised layer has largest singular value 1 (after power iterations)
    conv = on.discriminator.convs[0]
    for _ in range(30):
        conv(torch.zeros(1, 1, 8, 8))
    sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2)
    assert float(sigma) == pytest.approx(1.0, abs=0.05)


def test_gan_learns_digits_and_keeps_its_last_epoch(digits, tmp_path):
    gan = build_model(
        "gan",
        input_shape=digits.sample_shape,
        latent=16,
        channels=[32, 64],
        g_channels=[64, 32],
        seed=0,
    )
    real = digits.x_test
    gen = torch.Generator()
    before = pixel_fd(real, gan.eval().sample(len(real), generator=gen.manual_seed(0)).numpy())
    cfg = TrainConfig(epochs=8, batch_size=16, progress=False, patience=1, log_every=20)
    h = fit(gan, digits, cfg, out_dir=tmp_path)
    after = pixel_fd(real, gan.sample(len(real), generator=gen.manual_seed(0)).numpy())
    assert after < 0.3 * before, (before, after)
    assert len(h.rows) == 8 and h.best_epoch == 7 and not h.stopped_early  # no early stop
    assert {"train_discriminator_loss", "train_generator_loss", "train_discriminator_acc_real",
            "train_discriminator_acc_fake", "val_loss", "val_g_loss"} <= set(h.rows[-1])  # fmt: skip
    steps = read_steps(tmp_path / "steps.csv")
    assert len(steps) == len(h.steps)
    assert all(a == pytest.approx(b) for a, b in zip(steps, h.steps))
    per_epoch = math.ceil(len(digits.x_train) / 16)
    assert [int(r["step"]) for r in steps[:3]] == [20, 40, per_epoch if per_epoch < 60 else 60]
    assert all(0 <= r["discriminator_acc_real"] <= 1 for r in steps)


def test_aae_codes_follow_the_prior_without_losing_the_autoencoder(digits):
    """With the default weight the latent discriminator pulls codes to N(0, I) (Fréchet
    distance to prior samples under a tenth of the unregularized AE's) while the autoencoder
    reconstructs as well as without it. A weight of 0.05 (the old default) wins the first test
    by collapsing the codes to nearly one point: its reconstructions are the mean image."""
    prior = np.random.default_rng(0).normal(size=(len(digits.x_test), 4)).astype(np.float32)
    fds, recon, spread = {}, {}, {}
    for w in (0.0, None, 0.05):
        opts = {} if w is None else {"adv_weight": w}
        m = build_model("aae", input_shape=digits.sample_shape, latent=4, seed=0, **opts)
        h = fit(m, digits, TrainConfig(epochs=10, batch_size=32, progress=False))
        z = metrics.encode(m, digits.x_test)
        fds[w], recon[w], spread[w] = (metrics.frechet_distance(z, prior),
                                       h.rows[-1]["val_recon"], float(z.std(0).min()))  # fmt: skip
    assert fds[None] < 0.1 * fds[0.0], fds
    assert recon[None] < 1.1 * recon[0.0], recon
    assert spread[None] > 0.5, spread  # every code unit varies about as much as the prior
    assert recon[0.05] > 1.5 * recon[0.0] and spread[0.05] < 0.2, (recon, spread)  # collapsed


def test_steps_logging_calls_the_probe_and_survives_resume(digits, tmp_path):
    calls = []

    def probe(model):
        calls.append(model.training)
        return {"probed": float(len(calls))}

    m = build_model("aae", input_shape=digits.sample_shape, latent=4, seed=0)
    cfg = TrainConfig(epochs=2, batch_size=64, progress=False, log_every=10)
    fit(m, digits, cfg, out_dir=tmp_path, probe=probe)
    assert calls and not any(calls)  # probed in eval mode
    cfg3 = TrainConfig(epochs=3, batch_size=64, progress=False, log_every=10)
    h = fit(m, digits, cfg3, out_dir=tmp_path, resume=True, probe=probe)
    steps = [int(r["step"]) for r in h.steps]
    assert steps == sorted(steps) and len(steps) == len(set(steps)) and len(calls) == len(steps)
    assert h.steps[-1]["epoch"] == 2
    with pytest.raises(AekitError, match="log_every"):
        TrainConfig(log_every=-1)


# -- mode-collapse monitoring ----------------------------------------------------------------
def test_collapse_rule():
    assert not collapsed(1, 1, 10)  # early blobs: coverage has not risen yet
    assert collapsed(5, 9, 10) and collapsed(6, 9, 10) and not collapsed(7, 9, 10)
    assert collapsed(2, 6, 10) and not collapsed(5, 5, 10)


class Shifting:
    """Samples real images: all classes at first, then only one class (a collapse)."""

    def __init__(self, x, y):
        self.x, self.y, self.calls = torch.from_numpy(x), y, 0

    def sample(self, n, generator=None):
        self.calls += 1
        pool = self.x if self.calls < 3 else self.x[torch.from_numpy(self.y == 1)]
        return pool[torch.randint(len(pool), (n,), generator=generator)]


@needs_fmnist
def test_coverage_probe_warns_once_when_coverage_collapses():
    from aekit import load_dataset

    ds = load_dataset("fashion-mnist", seed=0)
    warnings = []
    probe = CoverageProbe(n=300, warn=warnings.append)
    model = Shifting(ds.x_test[:3000], ds.y_test[:3000])
    rows = [probe(model) for _ in range(5)]
    assert rows[0]["classes_covered"] == 10 and rows[0]["collapse"] == 0
    assert rows[3]["classes_covered"] <= 2 and rows[3]["max_class_share"] > 0.8
    assert [r["collapse"] for r in rows] == [0, 0, 1, 1, 1]
    assert len(warnings) == 1 and "mode collapse" in warnings[0] and "best so far 10" in warnings[0]


# -- the CLI ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("adv") / "gan"
    assert main(["train", "digits", "--model", "gan", "--latent", "8", "--epochs", "2",
                 "--label-smoothing", "0", "--lr-d-scale", "1", "--no-spectral-norm",
                 "--r1", "1", "--ema", "0.99", "--out", str(out), "--no-progress"]) == 0  # fmt: skip
    return out


def test_train_gan_writes_a_run_with_its_stabiliser_flags(gan_run, capsys):
    ck = load(gan_run)
    assert ck.info["model"] == "gan"
    assert ck.model.has_encoder is False
    cfg = ck.info["config"]
    assert (cfg["spectral_norm"], cfg["label_smoothing"], cfg["lr_d_scale"], cfg["r1"],
            cfg["ema"]) == (False, 0.0, 1.0, 1.0, 0.99)  # fmt: skip
    assert int(ck.model.ema_updates) > 0
    tc = ck.info["train_config"]  # the gan's own default learning rate and schedule
    assert (tc["lr"], tc["schedule"]) == (2e-3, "constant")
    names = {p.name for p in gan_run.iterdir()}
    assert {"steps.csv", "training.png", "samples.png", "report.html"} <= names
    assert "reconstructions.png" not in names
    page = (gan_run / "report.html").read_text()
    assert "every logged step" in page and "noise vectors of pairs of samples" in page
    assert "Reconstructions" not in page and "Latent map" not in page


def test_gan_generate_interpolates_its_own_samples(gan_run, tmp_path, capsys):
    out = tmp_path / "g"
    code, _, err = run(capsys, "generate", gan_run, "--n", "9", "--interpolate", "0", "8",
                       "--traverse", "3", "--out", out)  # fmt: skip
    assert code == 0, err
    s = read_summary(out)
    assert s["interpolate"] == [0, 8] and "traversal.png" in s["files"]
    code, _, err = run(capsys, "generate", gan_run, "--n", "9", "--interpolate", "0", "9",
                       "--out", tmp_path / "h")  # fmt: skip
    assert code == 2 and "outside 0..8 (drawn samples)" in err and not (tmp_path / "h").exists()


@pytest.mark.parametrize("task", [["embed"], ["denoise"], ["compress", "digits"]])
def test_tasks_that_encode_refuse_a_gan(gan_run, tmp_path, capsys, task):
    out = tmp_path / "x"
    code, _, err = run(capsys, task[0], gan_run, *task[1:], "--out", out)
    assert code == 2 and "has no encoder" in err and err.count("\n") == 1
    assert not out.exists()


def test_evaluate_and_report_a_gan(gan_run, tmp_path, capsys):
    code, out, _ = run(capsys, "evaluate", gan_run, "--json")
    assert code == 0 and '"n": ' in out and "mse" not in out  # digits: nothing to reconstruct
    code, _, err = run(capsys, "report", gan_run, "--out", tmp_path / "r.html")
    assert code == 0, err
    code, out, _ = run(capsys, "models")
    assert "gan" in out and "aae" in out
    code, out, _ = run(capsys, "info", gan_run)
    assert code == 0 and "gan (" in out and "lr 0.002 (constant)" in out


def test_generator_ema_follows_the_update_rule_and_generates_in_eval_mode(digits, tmp_path):
    with pytest.raises(AekitError, match="ema must be in"):
        build_model("gan", input_shape=(1, 8, 8), ema=1.0)
    assert not hasattr(build_model("gan", input_shape=(1, 8, 8), ema=0.0), "generator_ema")
    gan = build_model("gan", input_shape=(1, 8, 8), ema=0.9, seed=0)
    assert not any(p.requires_grad for p in gan.generator_ema.parameters())
    w0 = gan.generator.fc[0].weight.detach().clone()
    assert torch.equal(gan.generator_ema.fc[0].weight, w0)  # starts as a copy of G
    with torch.no_grad():
        gan.generator.fc[0].weight.add_(1.0)
    gan.after_step("discriminator")  # only generator steps move the average
    assert torch.equal(gan.generator_ema.fc[0].weight, w0)
    gan.after_step("generator")  # update 0: decay min(0.9, 1/10) = 0.1
    assert torch.allclose(gan.generator_ema.fc[0].weight, w0 + 0.9)
    gan.after_step("generator")  # update 1: decay min(0.9, 2/11)
    d = 2 / 11
    assert torch.allclose(gan.generator_ema.fc[0].weight, w0 + 0.9 * d + (1 - d))
    z = torch.randn(4, gan.latent)
    assert not torch.allclose(gan.eval().decode(z), gan.train().decode(z))  # eval: the average
    # trained by fit (the loop calls after_step) and saved: the reloaded run samples the same
    gan = build_model("gan", input_shape=digits.sample_shape, latent=16, channels=[32, 64],
                      g_channels=[64, 32], ema=0.99, seed=0)  # fmt: skip
    fit(gan, digits, TrainConfig(epochs=1, batch_size=32, progress=False), out_dir=tmp_path)
    assert int(gan.ema_updates) == math.ceil(len(digits.x_train) / 32)
    gen = torch.Generator()
    again = load(tmp_path).model
    assert torch.equal(gan.sample(8, generator=gen.manual_seed(1)),
                       again.sample(8, generator=gen.manual_seed(1)))  # fmt: skip


def test_gan_defaults_are_the_measured_recipe_and_runs_saved_before_ema_still_load(
    digits, tmp_path
):
    gan = build_model("gan", input_shape=(1, 8, 8))
    cfg = gan.config
    assert (cfg["spectral_norm"], cfg["label_smoothing"], cfg["lr_d_scale"], cfg["r1"],
            cfg["ema"]) == (False, 0.0, 1.0, 1.0, 0.998)  # fmt: skip
    tc = TrainConfig().for_model(gan)
    assert (tc.lr, tc.schedule) == (2e-3, "constant")
    players = [*gan.discriminator.parameters(), *gan.generator.parameters()]
    assert gan.num_parameters() == sum(p.numel() for p in players)  # not the averaged copy
    assert TrainConfig().for_model(build_model("mlp", input_shape=(4,))).schedule == "cosine"
    # a run saved without an averaged generator and with no `ema` in its model.json (as runs
    # from before the option existed): it loads with the default, averaging from the live G
    old = build_model("gan", input_shape=digits.sample_shape, latent=8, channels=[16],
                      g_channels=[16], ema=0.0, seed=0)  # fmt: skip
    fit(old, digits, TrainConfig(epochs=1, batch_size=64, progress=False), out_dir=tmp_path)
    info = json.loads((tmp_path / "model.json").read_text())
    del info["config"]["ema"]
    (tmp_path / "model.json").write_text(json.dumps(info))
    again = load(tmp_path).model
    assert again.ema == 0.998 and int(again.ema_updates) == 0
    gen = torch.Generator()
    assert torch.equal(old.eval().sample(8, generator=gen.manual_seed(1)),
                       again.eval().sample(8, generator=gen.manual_seed(1)))  # fmt: skip


def test_aae_refuses_the_option_its_architecture_does_not_read():
    """The aae is convolutional on images and signals and an MLP on rows: `hidden` given for
    images, or `channels` for rows, would be ignored, so it is refused by name; the defaults,
    and AnomalyDetector's MLP default on image rows, still build."""
    with pytest.raises(AekitError, match="convolutional; hidden does not apply"):
        build_model("aae", input_shape=(1, 8, 8), hidden=[64])
    with pytest.raises(AekitError, match="an MLP; channels does not apply"):
        build_model("aae", input_shape=(30,), channels=[8])
    assert build_model("aae", input_shape=(1, 8, 8), channels=[8, 16]).latent == 8
    assert build_model("aae", input_shape=(30,), hidden=[16]).latent == 8
    from aekit import AnomalyDetector

    x = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    det = AnomalyDetector(model="aae", input_shape=(1, 8, 8), epochs=1, latent=2).fit(x)
    assert det.decision_scores_.shape == (64,)
