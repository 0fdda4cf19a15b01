"""Every registered model: interface, training makes the loss fall, save -> load is exact."""

import json
import math

import numpy as np
import pytest
import torch

from aekit import AekitError, TrainConfig, build_model, fit, list_models
from aekit.checkpoint import load, save_model

# every family that takes images (digits); `spectral` takes waveforms only and has no decode
# of codes alone: tests/test_modalities.py covers its interface, training and save/load
MODELS = [m for m in list_models() if m != "spectral"]


def test_registry_has_the_promised_families():
    assert {"mlp", "conv", "vae", "conv-vae", "stacked", "spectral"} <= set(list_models())
    assert all(isinstance(d, str) and d for d in list_models().values())


def test_unknown_model_and_option_are_clear_errors():
    with pytest.raises(AekitError, match="unknown model 'nope'.*mlp"):
        build_model("nope", input_shape=(4,))
    with pytest.raises(AekitError, match="does not take option.*tied"):
        build_model("conv", input_shape=(1, 8, 8), tied=True)
    with pytest.raises(AekitError, match=r"needs images \(C, H, W\) or signals \(C, L\)"):
        build_model("conv", input_shape=(30,))


def test_default_config_is_what_build_model_fills_in():
    from aekit.registry import default_config

    for name, shape in (
        ("mlp", (64,)),
        ("conv", (1, 8, 8)),
        ("aae", (1, 8, 8)),
        ("gan", (1, 8, 8)),
    ):
        defaults = json.loads(json.dumps(default_config(name)))  # tuples as lists, as saved
        built = build_model(name, input_shape=shape).config
        assert set(defaults) == set(built) - {"input_shape"}  # every option but the required
        assert {k: built[k] for k in defaults} == defaults
    with pytest.raises(AekitError, match="unknown model"):
        default_config("nope")


@pytest.mark.parametrize("name", MODELS)
def test_interface_shapes(name, digits):
    m = build_model(name, input_shape=digits.sample_shape, latent=5)
    x = torch.from_numpy(digits.x_train[:7])
    assert m.encode(x).shape == (7, 5)
    assert m.decode(m.encode(x)).shape == x.shape
    assert m(x).shape == x.shape
    terms = m.loss(x)
    assert "loss" in terms and terms["loss"].ndim == 0 and len(terms) >= 2


@pytest.mark.parametrize("name", MODELS)
def test_training_lowers_the_loss(name, digits):
    torch.manual_seed(0)
    m = build_model(name, input_shape=digits.sample_shape, latent=8)
    x = torch.from_numpy(digits.x_val)
    m.eval()
    torch.manual_seed(1)
    with torch.no_grad():
        before = float(m.loss(x)["loss"])
    fit(m, digits, TrainConfig(epochs=4, progress=False, seed=0))
    torch.manual_seed(1)
    with torch.no_grad():
        after = float(m.loss(x)["loss"])
    assert after < 0.8 * before, (before, after)


@pytest.mark.parametrize("name", MODELS)
def test_save_load_gives_identical_outputs(name, digits, tmp_path):
    m = build_model(name, input_shape=digits.sample_shape, latent=6)
    fit(m, digits, TrainConfig(epochs=1, progress=False))
    save_model(tmp_path, m, scaler=digits.scaler, data=digits.describe())
    ck = load(tmp_path)
    x = torch.from_numpy(digits.x_test[:20])
    with torch.no_grad():
        assert torch.equal(m.eval()(x), ck.model(x))
        assert torch.equal(m.encode(x), ck.model.encode(x))
    assert ck.scaler.to_dict() == digits.scaler.to_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.safetensors"]


def test_tied_weights_halve_the_parameters():
    untied = build_model("mlp", input_shape=(64,), latent=16, hidden=[128, 64])
    tied = build_model("mlp", input_shape=(64,), latent=16, hidden=[128, 64], tied=True)
    stacked = build_model("stacked", input_shape=(64,), latent=16, hidden=[128, 64])
    assert stacked.num_parameters() == tied.num_parameters()
    assert 0.45 < tied.num_parameters() / untied.num_parameters() < 0.55
    # the decoder really uses the transposed encoder weights
    lin = tied.encoder.linears[0]
    z = torch.randn(3, 16)
    dec_first = tied.decoder.linears[-1]
    assert dec_first.tied_to[0] is lin
    assert tied.decode(z).shape == (3, 64)


def test_undercomplete_and_overcomplete_are_one_parameter():
    under = build_model("mlp", input_shape=(64,), latent=8)
    over = build_model("mlp", input_shape=(64,), latent=128)
    assert under.encode(torch.rand(2, 64)).shape == (2, 8)
    assert over.encode(torch.rand(2, 64)).shape == (2, 128)


@pytest.mark.parametrize("spec", ["gaussian:0.3", "saltpepper:0.2", "mask:0.25"])
def test_noise_only_in_training_and_loss_against_clean(spec):
    m = build_model("mlp", input_shape=(200,), latent=4, noise=spec, output="linear")
    x = torch.rand(50, 200) * 0.5 + 0.25
    m.train()
    xc = m.corrupt(x)
    # models of [0, 1] data (sigmoid outputs) see noisy inputs clipped to [0, 1], like images
    img = build_model("mlp", input_shape=(200,), latent=4, noise=spec).train()
    xi = img.corrupt(x)
    assert float(xi.min()) >= 0.0 and float(xi.max()) <= 1.0 and not torch.equal(xi, x)
    assert not torch.equal(xc, x)
    if spec.startswith("mask"):
        frac = float(((xc == 0) & (x != 0)).float().mean())
        assert abs(frac - 0.25) < 0.03
    if spec.startswith("saltpepper"):
        frac = float(((xc == x.min()) | (xc == x.max())).float().mean())
        assert abs(frac - 0.2) < 0.03
    if spec.startswith("gaussian"):
        assert abs(float((xc - x).std()) - 0.3) < 0.02
    m.eval()
    assert torch.equal(m.corrupt(x), x)
    # loss targets the clean input: with noise off (eval), it equals the plain MSE to x
    with torch.no_grad():
        assert math.isclose(
            float(m.loss(x)["recon"]), float(((m(x) - x) ** 2).mean()), rel_tol=1e-5
        )


def test_bad_noise_and_sparsity_specs():
    for spec in ["blur:0.1", "gaussian", "mask:1.5", "gaussian:abc"]:
        with pytest.raises(AekitError, match="noise"):
            build_model("mlp", input_shape=(4,), noise=spec)
    for spec in ["l2:0.1", "kl:1.5", "kl"]:
        with pytest.raises(AekitError, match="sparsity"):
            build_model("mlp", input_shape=(4,), sparsity=spec)
    with pytest.raises(AekitError, match="KL term already"):
        build_model("vae", input_shape=(4,), sparsity="l1:0.1")


def _active(model, x):
    from aekit.regularizers import active_fraction

    with torch.no_grad():
        return active_fraction(model.encode(x), model.code_activation)


@pytest.mark.parametrize("spec,other", [("l1:1e-3", "l1:0"), ("kl:0.05", "kl:0.5")])
def test_sparsity_reduces_active_units(spec, other, digits):
    """Fewer active units than without the pressure, and still a code: a collapsed one (every
    unit constant) decodes every input to about the mean image."""
    x = torch.from_numpy(digits.x_test)
    mean_image_mse = float(((x - torch.from_numpy(digits.x_train).mean(0)) ** 2).mean())
    fractions, mse, codes, models = {}, {}, {}, {}
    for s in (spec, other):
        torch.manual_seed(0)
        m = build_model("mlp", input_shape=digits.sample_shape, latent=64, hidden=[128], sparsity=s)
        fit(m, digits, TrainConfig(epochs=60, progress=False, lr=3e-3))
        models[s] = m
        fractions[s] = _active(m, x)
        with torch.no_grad():
            codes[s] = m.encode(x)
            mse[s] = float(((m.decode(codes[s]) - x) ** 2).mean())
    assert fractions[spec] < 0.6 * fractions[other], fractions
    assert mse[spec] < 0.6 * mean_image_mse, (mse, mean_image_mse)
    if spec.startswith("kl"):  # each unit's mean activation near its target rho
        rho_hat = codes[spec].mean(0)
        assert 0.02 < float(rho_hat.median()) < 0.1 and float(rho_hat.max()) < 0.3, rho_hat
        from aekit.tasks import evaluate

        assert evaluate(models[spec], digits)["mean_activation"] == pytest.approx(
            float(codes[spec].mean()), rel=1e-5
        )  # the test split's codes, as above


def test_vae_sample_warmup_and_beta(digits):
    m = build_model("vae", input_shape=digits.sample_shape, latent=4, beta=2.0, warmup_epochs=3)
    weights = []
    for e in range(5):
        m.on_epoch_start(e)
        weights.append(m.kl_weight)
    assert weights == pytest.approx([0.5, 1.0, 1.5, 2.0, 2.0])
    s = m.sample(9, generator=torch.Generator().manual_seed(0))
    assert s.shape == (9, *digits.sample_shape) and float(s.min()) >= 0 and float(s.max()) <= 1
    g = build_model("conv-vae", input_shape=(1, 8, 8), latent=4, likelihood="gaussian", beta=0.0)
    x = torch.rand(5, 1, 8, 8)
    g.eval()
    with torch.no_grad():
        t = g.loss(x)
    assert float(t["loss"]) == pytest.approx(float(t["nll"]))
    with pytest.raises(AekitError, match="Bernoulli"):
        build_model("vae", input_shape=(4,), output="linear", likelihood="bernoulli")


def test_vae_kl_is_the_closed_form():
    from aekit.models import VAEBase

    mu = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(4.0)]])
    # 0.5 * (mu^2 + var - 1 - log var) summed: 0.5*(1+1-1-0) + 0.5*(0+4-1-log 4)
    expected = 0.5 + 0.5 * (3 - math.log(4.0))
    assert float(VAEBase.kl(mu, logvar)[0]) == pytest.approx(expected)


def test_models_work_on_tables_and_rgb():
    rgb = build_model("conv", input_shape=(3, 30, 22), latent=7)
    assert rgb(torch.rand(2, 3, 30, 22)).shape == (2, 3, 30, 22)
    tab = build_model("mlp", input_shape=(30,), latent=4, output="linear")
    with torch.no_grad():
        tab.decoder.linears[-1].bias.fill_(-5.0)  # linear output is unbounded: negatives pass
        out = tab(torch.randn(3, 30))
    assert out.shape == (3, 30) and float(out.max()) < 0
    assert np.isfinite(out.numpy()).all()


def test_psnr_loss_is_minus_the_mean_psnr():
    from aekit.metrics import psnr

    m = build_model("mlp", input_shape=(30,), latent=4, recon_loss="psnr")
    x = torch.rand(16, 30)
    with torch.no_grad():
        logits = m.decoder(m.encode(x))
        loss = float(m.reconstruction_loss(logits, x))
        assert loss == pytest.approx(-psnr(torch.sigmoid(logits), x), abs=1e-4)


def test_conv_depth_adds_same_size_convs_for_images_and_signals(tmp_path):
    for shape in ((1, 28, 28), (2, 50)):
        shallow = build_model("conv", input_shape=shape, latent=8, channels=[8, 16])
        deep = build_model("conv", input_shape=shape, latent=8, channels=[8, 16], depth=2)
        conv = torch.nn.Conv2d if len(shape) == 3 else torch.nn.Conv1d

        def same_size_convs(m, conv=conv):
            return [c for c in m.modules() if isinstance(c, conv) and c.stride[0] == 1]

        assert same_size_convs(shallow) == []
        # one per resolution in the encoder, its mirror in the decoder
        assert len(same_size_convs(deep)) == 4
        assert deep.num_parameters() > shallow.num_parameters()
        x = torch.rand(3, *shape)
        assert deep(x).shape == x.shape and deep.encode(x).shape == (3, 8)
    save_model(tmp_path, deep)  # the signal model, last in the loop
    back = load(tmp_path).model
    assert back.config["depth"] == 2
    with torch.no_grad():
        assert torch.equal(back(x), deep.eval()(x))
    with pytest.raises(AekitError, match="depth >= 1"):
        build_model("conv", input_shape=(1, 8, 8), depth=0)


@pytest.mark.parametrize("loss", ["mse", "l1", "bce", "psnr", "multinomial", "multinomial-binary"])
def test_row_losses_average_to_the_reconstruction_loss(loss):
    output = {"bce": "sigmoid", "multinomial": "softmax", "multinomial-binary": "softmax"}
    m = build_model("mlp", input_shape=(12,), latent=3, recon_loss=loss,
                    output=output.get(loss, "linear"))  # fmt: skip
    x = torch.rand(9, 12)
    with torch.no_grad():
        logits = m.decoder(m.encode(x))
        rows = m.row_losses(logits, x)
        assert rows.shape == (9,)
        assert float(rows.mean()) == pytest.approx(float(m.reconstruction_loss(logits, x)), 1e-5)


@pytest.mark.parametrize("name", ["mlp", "vae", "aae"])
def test_trim_leaves_rows_beyond_the_fence_out_of_training(name):
    """Rows whose loss lies beyond Q3 + 3 IQR of their batch teach the model nothing while it
    trains (their gradient is zero); in eval mode (validation) every row counts. (The aae's
    adversarial term, which is not a reconstruction, is switched off here.)"""
    from aekit.models.base import fence

    opts = {"adv_weight": 0.0} if name == "aae" else {}
    torch.manual_seed(0)
    m = build_model(name, seed=0, input_shape=(30,), latent=4, hidden=[16], output="linear",
                    trim=3.0, **opts)  # fmt: skip
    assert m.trim == 3.0 and m.config["trim"] == 3.0
    x = torch.randn(64, 30)
    x[:4] += 40.0  # four rows far from the rest
    x.requires_grad_(True)
    m.train()
    torch.manual_seed(1)  # the VAE samples its code
    terms = m.loss(x)
    terms["loss"].backward()
    grad = x.grad.abs().sum(1)
    assert (grad[:4] == 0).all() and (grad[4:] > 0).all()
    assert float(terms["kept"]) == pytest.approx(60 / 64)  # the share of rows inside the fence
    if name != "vae":
        with torch.no_grad():
            rows = m.row_losses(m.logits_and_code(x)[0], x)
        assert (rows[:4] > fence(rows, 3.0)).all() and (rows[4:] <= fence(rows, 3.0)).all()
        assert float(terms["recon"].detach()) == pytest.approx(float(rows[4:].mean()), 1e-5)
        m.eval()
        assert float(m.loss(x)["recon"].detach()) == pytest.approx(float(rows.mean()), 1e-5)
        assert "kept" not in m.loss(x)
    untrimmed = build_model(name, seed=0, input_shape=(30,), latent=4, hidden=[16],
                            output="linear", **opts)  # fmt: skip
    x.grad = None
    untrimmed.train()
    torch.manual_seed(1)
    untrimmed.loss(x)["loss"].backward()
    assert (x.grad[:4].abs().sum(1) > 0).all()  # without trim the far rows pull too
    with pytest.raises(AekitError, match="trim must be > 0"):
        build_model(name, input_shape=(30,), latent=4, trim=0)


def test_fence_keeps_every_row_where_most_of_a_batch_is_alike():
    from aekit.models.base import fence, inside_fence, kept_mean

    alike = torch.tensor([0.0] * 50 + [0.1, 0.2, 5.0])  # IQR 0: the fence would cut 3 rows
    assert float(fence(alike, 3.0)) == float("inf")
    assert float(inside_fence(alike, 3.0).sum()) == len(alike)
    spread = torch.arange(1.0, 21.0)  # Q3 15.25, IQR 9.5: fence 43.75
    assert float(fence(spread, 3.0)) == pytest.approx(15.25 + 3 * 9.5)
    far = torch.cat([spread, torch.tensor([100.0])])
    assert inside_fence(far, 3.0).tolist() == [1.0] * 20 + [0.0]
    assert float(kept_mean(far, inside_fence(far, 3.0))) == 10.5
