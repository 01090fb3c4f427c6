"""Config loading: YAML plus dot-list overrides, and errors that name the key."""

import pytest

from sigasr.config import (
    AttentionConfig,
    AttentionKind,
    ConfigError,
    load_config,
    model_config,
    save_config,
)


def test_overrides_apply_and_defaults_fill_the_rest(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  encoder:\n    num_layers: 3\ntrain:\n  lr: 0.002\n")
    cfg = load_config(path, ["model.encoder.num_layers=12", "data.max_duration=50"])
    assert cfg.model.encoder.num_layers == 12
    assert cfg.train.lr == 0.002
    assert cfg.data.max_duration == 50.0
    assert cfg.model.encoder.attention.kind == "sigmoid"
    save_config(cfg, tmp_path / "out.yaml")
    assert load_config(tmp_path / "out.yaml") == cfg


@pytest.mark.parametrize(
    "overrides, key",
    [
        (["model.encoder.num_layer=12"], "model.encoder.num_layer"),
        (["model.encoder.num_layers=many"], "model.encoder.num_layers"),
        (["model.encoder.attention.kind=cosine"], "model.encoder.attention.kind"),
        (["trian.lr=1"], "trian"),
        (["model.encoder.d_model=100", "model.encoder.num_heads=3"], "model.encoder.d_model"),
    ],
)
def test_bad_override_names_the_key(overrides, key):
    with pytest.raises(ConfigError, match=key):
        load_config(overrides=overrides)


def test_bad_key_in_file_names_file_and_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("train:\n  learning_rate: 0.1\n")
    with pytest.raises(ConfigError, match=r"bad.yaml.*train.learning_rate"):
        load_config(path)


def test_missing_file_and_bad_syntax(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="key=value"):
        load_config(overrides=["model.encoder.num_layers"])
    broken = tmp_path / "broken.yaml"
    broken.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match="broken.yaml"):
        load_config(broken)


def test_base_file_is_loaded_first_and_overridden(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "root.yaml").write_text("train:\n  lr: 0.5\n  seed: 7\n")
    (tmp_path / "conf/base.yaml").write_text("base: ../root.yaml\ntrain:\n  lr: 0.1\n")
    row = tmp_path / "conf/row.yaml"
    row.write_text("base: base.yaml\nmodel:\n  encoder:\n    attention:\n      pos: rope\n")
    cfg = load_config(row, ["train.seed=3"])
    assert (cfg.train.lr, cfg.train.seed, cfg.model.encoder.attention.pos) == (0.1, 3, "rope")
    assert "base" not in cfg


def test_base_errors_name_the_file(tmp_path):
    (tmp_path / "a.yaml").write_text("base: b.yaml\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\n")
    with pytest.raises(ConfigError, match="loops"):
        load_config(tmp_path / "a.yaml")
    (tmp_path / "c.yaml").write_text("base: gone.yaml\n")
    with pytest.raises(ConfigError, match="gone.yaml.*not found|not found.*gone.yaml"):
        load_config(tmp_path / "c.yaml")
    (tmp_path / "d.yaml").write_text("base: e.yaml\n")
    (tmp_path / "e.yaml").write_text("train:\n  lrate: 1\n")
    with pytest.raises(ConfigError, match=r"e.yaml.*train.lrate"):
        load_config(tmp_path / "d.yaml")


def test_flat_attention_keys_of_older_configs_still_load(tmp_path):
    """Configs and model directories written with the attention keys flat under
    model.encoder (``attention: softmax``, ``pos: rope``, ...) load into AttentionConfig."""
    old = tmp_path / "old.yaml"
    old.write_text(
        "model:\n  encoder:\n    attention: softmax\n    pos: rope\n    qk_norm: true\n"
        "    sigmoid_bias_value: -3.0\n"
    )
    att = load_config(old, ["model.encoder.layer_scale=0.1"]).model.encoder.attention
    assert (att.kind, att.pos, att.qk_norm) == ("softmax", "rope", True)
    assert (att.sigmoid_bias_value, att.layer_scale) == (-3.0, 0.1)
    flat = {"vocab_size": 5, "encoder": {"attention": "softmax", "pos": "none"}}
    assert model_config(flat).encoder.attention.pos == "none"


def test_attention_choices_come_from_the_types():
    with pytest.raises(ConfigError, match="attention.pos='sinusoid', expected one of: alibi"):
        AttentionConfig(pos="sinusoid")
    assert AttentionConfig(kind="softmax").kind is AttentionKind.softmax


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.lr=-0.003", r"'train.lr' \(-0.003\) must be positive"),
        ("train.save_every=0", r"'train.save_every' \(0\) must be at least 1"),
        ("data.max_duration=0", r"'data.max_duration' \(0.0\) must be positive"),
        ("model.encoder.dropout=1.0", r"'model.encoder.dropout' \(1.0\) must be in \[0, 1\)"),
        ("decode.avg=0", r"'decode.avg' \(0\) must be at least 1"),
        ("data.min_utt_duration=30", "'data.min_utt_duration' .* above 'data.max_utt_duration'"),
    ],
)
def test_out_of_range_values_are_refused_at_load_naming_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, [override])
