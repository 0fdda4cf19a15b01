"""Greedy layer-wise pre-training: each layer pair is the model's own layers, trained alone."""

import copy
import json
from unittest import mock

import numpy as np
import pytest
import torch

from aekit import TrainConfig, build_model, fit
from aekit.cli import main
from aekit.errors import AekitError
from aekit.layerwise import LayerPair, pretrain_layerwise


def _model(tied: bool = True):
    return build_model("stacked" if tied else "mlp", seed=0, input_shape=(1, 8, 8),
                       hidden=(32, 16), latent=8, output="sigmoid")  # fmt: skip


def test_a_layer_pair_trains_the_models_own_layers_and_only_them(digits):
    for tied in (True, False):
        model = _model(tied)
        before = {k: v.clone() for k, v in model.state_dict().items()}
        x = torch.from_numpy(digits.x_train)
        h = LayerPair(model, 0).code(x).detach()  # the second pair learns from these
        fit(LayerPair(model, 1), (h, None), TrainConfig(epochs=2, progress=False))
        changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
        # encoder layer 2 and its mirror, decoder layer 2 (of 3); tied: the weight is shared
        expected = {"encoder.linears.1.weight", "encoder.linears.1.bias", "decoder.linears.1.bias"}
        if not tied:
            expected.add("decoder.linears.1.weight")
        assert changed == expected, (tied, changed)


def test_pairs_compose_into_the_models_encoder_and_pretraining_lowers_each_pairs_loss(digits):
    model = _model()
    initial = copy.deepcopy(model)
    x = torch.from_numpy(digits.x_train)
    pairs = [LayerPair(model, i) for i in range(3)]
    with torch.no_grad():
        z = pairs[2].code(pairs[1].code(pairs[0].code(x)))
        assert torch.allclose(z, model.encode(x), atol=1e-6)
    rows = pretrain_layerwise(model, x, None, TrainConfig(epochs=1, layerwise_epochs=3,
                                                           progress=False))  # fmt: skip
    assert [(r["layer"], r["inputs"], r["outputs"], r["epochs"]) for r in rows] == [
        (1, 64, 32, 3), (2, 32, 16, 3), (3, 16, 8, 3)]  # fmt: skip
    with torch.no_grad():  # each pair, on the codes of the trained pairs below it
        h = x
        for i, pair in enumerate(pairs):
            untrained = LayerPair(initial, i)
            assert float(pair.loss(h)["loss"]) < 0.5 * float(untrained.loss(h)["loss"]), i
            h = pair.code(h)
        assert torch.allclose(h, model.encode(x), atol=1e-6)


def test_train_layerwise_from_the_cli_records_the_pairs_and_resume_skips_them(tmp_path, capsys):
    run = tmp_path / "run"
    argv = ["train", "digits", "--model", "stacked", "--hidden", "32,16", "--latent", "8",
            "--epochs", "1", "--out", str(run), "--no-progress", "--no-report"]  # fmt: skip
    assert main([*argv, "--layerwise", "2"]) == 0
    assert "layer-wise pre-training: 3 layer pairs x 2 epochs in" in capsys.readouterr().out
    info = json.loads((run / "model.json").read_text())
    assert info["train_config"]["layerwise_epochs"] == 2
    assert [(r["inputs"], r["outputs"]) for r in info["metrics"]["layerwise"]] == [
        (64, 32), (32, 16), (16, 8)]  # fmt: skip
    with mock.patch("aekit.training.pretrain_layerwise") as pretrain:
        argv[argv.index("--epochs") + 1] = "2"
        assert main([*argv, "--layerwise", "2", "--resume"]) == 0
    assert not pretrain.called  # the pairs were trained before epoch 1
    info = json.loads((run / "model.json").read_text())
    assert len(info["metrics"]["layerwise"]) == 3 and info["metrics"]["epochs_run"] == 2


@pytest.mark.parametrize("argv, message", [
    (["--model", "conv"], "applies to fully connected autoencoders (mlp, stacked), not 'conv'"),
    (["--model", "vae"], "not 'vae'"),
    (["--layerwise", "-1"], "layerwise_epochs must be a whole number >= 0, got -1"),
])  # fmt: skip
def test_layerwise_refusals_are_one_line(argv, message, tmp_path, capsys):
    argv = ["train", "digits", "--epochs", "1", "--out", str(tmp_path / "x"), *argv]
    if "--layerwise" not in argv:
        argv += ["--layerwise", "1"]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1 and not (tmp_path / "x").exists()


def test_an_mlp_without_hidden_layers_has_no_pairs_to_pretrain():
    m = build_model("mlp", input_shape=(64,), hidden=(), latent=4)
    with pytest.raises(AekitError, match="needs hidden layers"):
        fit(m, np.zeros((8, 64), np.float32), TrainConfig(epochs=1, layerwise_epochs=1))


def test_the_transformer_pretrains_layerwise_and_keeps_the_option_through_save(digits, tmp_path):
    from aekit import AutoencoderTransformer

    x = digits.x_train.reshape(len(digits.x_train), -1)
    est = AutoencoderTransformer(model="stacked", hidden=(32,), latent=8, epochs=1,
                                 layerwise_epochs=2).fit(x)  # fmt: skip
    assert [(r["inputs"], r["outputs"], r["epochs"]) for r in est.history_.layerwise] == [
        (64, 32, 2), (32, 8, 2)]  # fmt: skip
    est.save(tmp_path / "t")
    back = AutoencoderTransformer.load(tmp_path / "t")
    assert back.layerwise_epochs == 2 and np.allclose(back.transform(x), est.transform(x))
    assert AutoencoderTransformer(layerwise_epochs=0).fit(x).history_.layerwise == []
