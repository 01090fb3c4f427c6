"""CTCModel: save/load round trips, load errors, and gradients reaching every parameter."""

import pytest
import torch
from safetensors.torch import load_file, save_file

from sigasr import CTCModel, ModelLoadError
from sigasr.config import load_config

VARIANTS = [
    ["model.encoder.type=conformer"],
    ["model.encoder.type=transformer", "model.frontend=conv1d", "model.encoder.attention.pos=rope"],
    ["model.encoder.attention.kind=softmax", "model.encoder.attention.sigmoid_bias=none"],
    [
        "model.encoder.attention.sigmoid_bias=learnable",
        "model.encoder.attention.qk_norm=true",
        "model.encoder.attention.layer_scale=0.1",
    ],
]
TINY = [
    "model.input_dim=20",
    "model.vocab_size=11",
    "model.encoder.d_model=32",
    "model.encoder.num_layers=2",
    "model.encoder.num_heads=4",
    "model.encoder.conv_kernel=7",
]


def tiny_model(overrides):
    torch.manual_seed(0)
    return CTCModel(load_config(overrides=TINY + overrides).model)


@pytest.mark.parametrize("overrides", VARIANTS, ids=lambda o: o[-1])
def test_save_and_load_rebuilds_the_same_model(tmp_path, overrides):
    model = tiny_model(overrides).eval()
    model.save_pretrained(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"config.yaml", "model.safetensors"}
    loaded = CTCModel.from_pretrained(tmp_path).eval()
    x, lens = torch.randn(2, 50, 20), torch.tensor([50, 31])
    with torch.no_grad():
        a, a_lens = model(x, lens)
        b, b_lens = loaded(x, lens)
    assert torch.equal(a, b) and torch.equal(a_lens, b_lens)
    assert a.dtype == torch.float32 and a.shape[-1] == 11


@pytest.mark.parametrize("overrides", VARIANTS, ids=lambda o: o[-1])
def test_gradients_reach_every_parameter(overrides):
    model = tiny_model(overrides).train()
    x, lens = torch.randn(2, 60, 20), torch.tensor([60, 45])
    log_probs, out_lens = model(x, lens)
    targets = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 0]])
    loss = torch.nn.functional.ctc_loss(
        log_probs.transpose(0, 1), targets, out_lens, torch.tensor([4, 3]), blank=0
    )
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


def test_frames_after_subsampling_matches_forward():
    model = tiny_model([]).eval()
    for t in (7, 8, 50, 101):
        _, out_lens = model(torch.randn(1, t, 20), torch.tensor([t]))
        assert model.frames_after_subsampling(t) == out_lens.item()


def saved(tmp_path):
    tiny_model([]).save_pretrained(tmp_path)
    return tmp_path


def test_missing_weights_file_is_named(tmp_path):
    (saved(tmp_path) / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="model.safetensors: missing"):
        CTCModel.from_pretrained(tmp_path)


def test_truncated_weights_are_reported(tmp_path):
    path = saved(tmp_path) / "model.safetensors"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelLoadError, match="unreadable safetensors"):
        CTCModel.from_pretrained(tmp_path)


def test_shape_mismatch_names_the_weight(tmp_path):
    path = saved(tmp_path) / "model.safetensors"
    state = load_file(path)
    state["head.weight"] = torch.zeros(3, 3)
    save_file(state, path)
    with pytest.raises(ModelLoadError, match=r"'head.weight' has shape \(3, 3\)"):
        CTCModel.from_pretrained(tmp_path)


def test_missing_key_is_named(tmp_path):
    path = saved(tmp_path) / "model.safetensors"
    state = load_file(path)
    del state["head.bias"]
    save_file(state, path)
    with pytest.raises(ModelLoadError, match="missing weight 'head.bias'"):
        CTCModel.from_pretrained(tmp_path)


def test_config_from_another_version_is_named(tmp_path):
    path = saved(tmp_path) / "config.yaml"
    path.write_text(path.read_text() + "future_option: 3\n")
    with pytest.raises(ModelLoadError, match="config.yaml: key 'future_option'"):
        CTCModel.from_pretrained(tmp_path)


def test_changed_weight_bytes_fail_the_checksum(tmp_path):
    weights = saved(tmp_path) / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-3] ^= 0xFF  # inside the last tensor's data
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelLoadError, match=rf"{weights}: checksum mismatch"):
        CTCModel.from_pretrained(tmp_path)


def test_config_the_model_cannot_be_built_from_is_named(tmp_path):
    (saved(tmp_path) / "config.yaml").write_text("")
    with pytest.raises(ModelLoadError, match=r"config.yaml: model.vocab_size=0"):
        CTCModel.from_pretrained(tmp_path)


def test_edited_config_fails_the_checksum(tmp_path):
    config = saved(tmp_path) / "config.yaml"
    config.write_text(config.read_text() + "# edited by hand\n")
    with pytest.raises(ModelLoadError, match=rf"{config}: not the config the weights"):
        CTCModel.from_pretrained(tmp_path)
