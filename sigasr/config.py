"""Structured experiment configuration: YAML files plus ``key=value`` dot-list overrides.

Every section is a dataclass, so omegaconf rejects unknown or mistyped keys and values of
the wrong type. :func:`load_config` turns those rejections into :class:`ConfigError`
messages that name the offending key and the file or override it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sigasr.atomic import atomic_write_text
from sigasr.errors import ConfigError


@dataclass
class EncoderConfig:
    """Encoder architecture. See :class:`sigasr.nn.ConformerEncoder` for the meaning."""

    type: str = "conformer"  # conformer | transformer
    d_model: int = 144
    num_layers: int = 6
    num_heads: int = 4
    ffn_dim: int = 0  # 0 means 4 * d_model
    conv_kernel: int = 31  # conformer depthwise convolution
    dropout: float = 0.1
    attention: str = "sigmoid"  # sigmoid | softmax
    pos: str = "alibi"  # alibi | rope | none
    sigmoid_bias: str = "log_n"  # log_n | const | learnable | none
    sigmoid_bias_value: float = -6.0  # const bias, and the init of a learnable one (~ -log 400)
    qk_norm: bool = False
    layer_scale: float = 0.0  # 0 disables LayerScale; else its initial value
    post_norm: bool = False  # transformer only


@dataclass
class ModelConfig:
    input_dim: int = 80
    frontend: str = "conv2d"  # conv2d (4x, 2-D) | conv1d (strided 1-D)
    vocab_size: int = 0  # filled from the tokenizer at train time; includes the CTC blank (id 0)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)


@dataclass
class DataConfig:
    manifest_dir: str = "data/manifests"
    token_type: str = "bpe"  # bpe | unigram | char (SentencePiece model types)
    vocab_size: int = 500  # SentencePiece pieces, without the CTC blank
    lang_dir: str = "data/lang_${data.token_type}_${data.vocab_size}"
    train_sets: list[str] = field(default_factory=lambda: ["train-clean-100"])
    dev_sets: list[str] = field(default_factory=lambda: ["dev-clean", "dev-other"])
    test_sets: list[str] = field(default_factory=lambda: ["test-clean", "test-other"])
    max_duration: float = 200.0  # seconds of audio per batch
    num_buckets: int = 30
    # Drop each bucket's short last batch of an epoch. None: only under DDP, where ranks must
    # take equal steps; true makes one process draw the full batches DDP draws.
    drop_last: bool | None = None
    min_utt_duration: float = 1.0
    max_utt_duration: float = 20.0
    on_the_fly_feats: bool = False
    speed_perturb: bool = False
    spec_augment: bool = True
    num_workers: int = 2


@dataclass
class TrainConfig:
    seed: int = 42
    max_steps: int = 100_000
    lr: float = 1e-3
    weight_decay: float = 1e-2
    warmup_steps: int = 5000
    min_lr_ratio: float = 0.05  # cosine decay floor, relative to lr
    grad_clip: float = 5.0
    accum_grad: int = 1
    compile: bool = False  # torch.compile each encoder layer (SubsampledEncoder.compile_layers)
    amp: str = "auto"  # auto (bf16 on GPU, fp32 on CPU) | bf16 | fp32
    log_every: int = 50
    valid_every: int = 2000
    save_every: int = 1000
    keep_last: int = 5
    max_nonfinite_steps: int = 20  # consecutive non-finite steps before training stops


@dataclass
class DecodeConfig:
    avg: int = 1  # average the last K checkpoints
    max_duration: float = 600.0
    test_sets: list[str] = field(default_factory=lambda: ["test-clean", "test-other"])


@dataclass
class ExperimentConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)


def _checked_merge(base: DictConfig, other, source: str) -> DictConfig:
    try:
        return OmegaConf.merge(base, other)
    except OmegaConfBaseException as e:
        key = getattr(e, "full_key", None) or "?"
        msg = str(e.msg).splitlines()[0]
        raise ConfigError(f"{source}: invalid config key '{key}': {msg}") from None


def _yaml_chain(path: Path, seen: tuple[Path, ...]) -> list[tuple[str, DictConfig]]:
    """(source, contents) of ``path`` and of the files its ``base:`` keys name, base first."""
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    if path.resolve() in seen:
        raise ConfigError(f"{path}: 'base' chain loops back to itself")
    try:
        loaded = OmegaConf.load(path)
    except Exception as e:  # yaml syntax errors come in several types
        raise ConfigError(f"{path}: cannot parse YAML: {e}") from None
    base = loaded.pop("base", None)
    chain = [] if base is None else _yaml_chain(path.parent / base, (*seen, path.resolve()))
    return [*chain, (str(path), loaded)]


def load_config(
    path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()
) -> DictConfig:
    """Schema defaults, then the YAML file at ``path``, then dot-list ``overrides``.

    A file may start from another: ``base: other.yaml`` (relative to the file) is loaded
    first, and the file's own keys override it; bases can have bases.

    Returns a structured :class:`~omegaconf.DictConfig` typed as :class:`ExperimentConfig`.
    Raises :class:`ConfigError` naming the key for unknown keys, bad types or bad syntax.
    """
    cfg = OmegaConf.structured(ExperimentConfig)
    if path is not None:
        for source, loaded in _yaml_chain(Path(path), ()):
            cfg = _checked_merge(cfg, loaded, source)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override '{item}' is not of the form key=value")
        try:
            dot = OmegaConf.from_dotlist([item])
        except OmegaConfBaseException as e:
            raise ConfigError(f"override '{item}': {e}") from None
        cfg = _checked_merge(cfg, dot, f"override '{item}'")
    validate(cfg)
    return cfg


_CHOICES = {
    "model.frontend": ("conv2d", "conv1d"),
    "model.encoder.type": ("conformer", "transformer"),
    "model.encoder.attention": ("sigmoid", "softmax"),
    "model.encoder.pos": ("alibi", "rope", "none"),
    "model.encoder.sigmoid_bias": ("log_n", "const", "learnable", "none"),
    "train.amp": ("auto", "bf16", "fp32"),
    "data.token_type": ("bpe", "unigram", "char"),
}


def validate(cfg: DictConfig) -> None:
    """Check enumerated string fields; raises :class:`ConfigError` naming the key."""
    for key, choices in _CHOICES.items():
        value = OmegaConf.select(cfg, key)
        if value not in choices:
            raise ConfigError(f"config key '{key}' is '{value}', expected one of {choices}")
    enc = cfg.model.encoder
    if enc.d_model % enc.num_heads != 0:
        raise ConfigError(
            f"config key 'model.encoder.d_model' ({enc.d_model}) must be divisible by "
            f"'model.encoder.num_heads' ({enc.num_heads})"
        )


def save_config(cfg: DictConfig, path: str | Path) -> None:
    """Write ``cfg`` as YAML, resolved, so an experiment directory is self-describing."""
    atomic_write_text(path, OmegaConf.to_yaml(cfg, resolve=True))
