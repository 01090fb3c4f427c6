"""Resuming checks the experiment's saved config: a different model or data section is
refused, a key that sigasr added since the config was written is not a difference."""

import pytest
import yaml

from sigasr.cli.train import check_same_experiment, resolve_paths
from sigasr.config import ConfigError, load_config, save_config
from tools.tiny_corpus import ROOT

DEMO = ROOT / "recipes/librispeech/conf/demo.yaml"


def current():
    """The config as `sigasr train` holds it when it compares: paths made absolute."""
    cfg = load_config(DEMO)
    resolve_paths(cfg)
    return cfg


def saved_config(tmp_path, drop: tuple[str, str] | None = None, **changes):
    path = tmp_path / "config.yaml"
    save_config(current(), path)
    raw = yaml.safe_load(path.read_text())
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        raw[section][key] = value
    if drop:
        del raw[drop[0]][drop[1]]
    path.write_text(yaml.safe_dump(raw))
    return path


def test_same_config_resumes(tmp_path):
    check_same_experiment(current(), saved_config(tmp_path))


def test_a_different_data_section_is_refused(tmp_path):
    path = saved_config(tmp_path, data__max_duration=123.0)
    with pytest.raises(ConfigError, match="different 'data' config"):
        check_same_experiment(current(), path)


def test_a_key_added_since_takes_its_default(tmp_path):
    path = saved_config(tmp_path, drop=("data", "on_the_fly_feats"))
    check_same_experiment(current(), path)


def test_a_key_sigasr_no_longer_has_is_named(tmp_path):
    path = saved_config(tmp_path, data__feature_kind="mfcc")
    with pytest.raises(ConfigError, match="feature_kind"):
        check_same_experiment(current(), path)
