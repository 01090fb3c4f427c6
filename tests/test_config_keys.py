"""Configs that mean what they say: every key is read by sigasr code, contradictions are errors.

The recipe test (tests/test_recipe_full.py) also records which keys the stages actually read
at run time; here the check is static and fast: each key of every shipped config, and of the
schema, must be read as an attribute somewhere in sigasr outside the schema module.
"""

import ast
import dataclasses
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sigasr.config import ConfigError, ExperimentConfig, load_config

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((ROOT / "recipes").rglob("*.yaml"))


def attributes_read(package: Path, exclude: Path) -> set[str]:
    """Names read as ``x.<name>`` in the package's modules other than ``exclude``."""
    names = set()
    for path in package.rglob("*.py"):
        if path == exclude:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                names.add(node.attr)
    return names


READ = attributes_read(ROOT / "sigasr", ROOT / "sigasr/config.py")


def leaf_keys(tree: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in tree.items():
        path = f"{prefix}{key}"
        keys += leaf_keys(value, f"{path}.") if isinstance(value, dict) else [path]
    return keys


def schema_keys(cls, prefix: str = "") -> list[str]:
    keys = []
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(f.default_factory if callable(f.default_factory) else None):
            keys += schema_keys(f.default_factory, f"{prefix}{f.name}.")
        else:
            keys.append(f"{prefix}{f.name}")
    return keys


def unread(keys: list[str], read: set[str]) -> list[str]:
    return [key for key in keys if key.rsplit(".", 1)[-1] not in read]


def test_the_check_flags_a_key_nothing_reads():
    assert unread(["data.speed_perturb", "data.no_such_key"], READ) == ["data.no_such_key"]
    # The defect this guards against: before anything read it, speed_perturb appeared only
    # in the schema.
    assert unread(["data.speed_perturb"], READ - {"speed_perturb"}) == ["data.speed_perturb"]


def test_every_schema_key_is_read():
    keys = schema_keys(ExperimentConfig)
    assert "data.noise.snr" in keys and "data.spec_augment.time_warp_factor" in keys
    assert unread(keys, READ) == []


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(ROOT / "recipes")))
def test_every_key_of_a_shipped_config_is_read_and_it_loads(path):
    tree = OmegaConf.to_container(OmegaConf.load(path))
    tree.pop("base", None)
    assert unread(leaf_keys(tree), READ) == []
    load_config(path)  # no contradiction, no unknown key


def test_avg_beyond_keep_last_names_both_keys():
    with pytest.raises(ConfigError, match=r"'decode\.avg' \(10\).*'train\.keep_last' \(5\)"):
        load_config(overrides=["decode.avg=10", "train.keep_last=5"])
    load_config(overrides=["decode.avg=10", "train.keep_last=0"])  # 0 keeps every checkpoint
    cfg = load_config(ROOT / "recipes/librispeech/conf/conformer_ctc_100m.yaml")
    assert cfg.train.keep_last >= cfg.decode.avg == 10


@pytest.mark.parametrize(
    "override, key",
    [
        ("data.noise.snr=[20,10]", "data.noise.snr"),
        ("data.noise.snr=[10]", "data.noise.snr"),
        ("data.noise.p=1.5", "data.noise.p"),
        ("data.spec_augment.p=-0.1", "data.spec_augment.p"),
        ("data.spec_augment.max_frames_mask_fraction=0", "max_frames_mask_fraction"),
        ("data.spec_augment.features_mask_size=0", "features_mask_size"),
    ],
)
def test_bad_augmentation_values_name_the_key(override, key):
    with pytest.raises(ConfigError, match=key):
        load_config(overrides=[override])


def test_the_older_spec_augment_switch_still_loads(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text("data:\n  spec_augment: false\n")
    assert load_config(old).data.spec_augment.enabled is False
    assert load_config(overrides=["data.spec_augment=false"]).data.spec_augment.enabled is False
