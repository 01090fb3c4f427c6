"""Structured experiment configuration: YAML files plus ``key=value`` dot-list overrides.

Every section is a dataclass, so omegaconf rejects unknown or mistyped keys and values of
the wrong type. :func:`load_config` turns those rejections into :class:`ConfigError`
messages that name the offending key and the file or override it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sigasr.atomic import atomic_write_text
from sigasr.errors import ConfigError


class Choice(str, Enum):
    """A named option of the config: equal to, hashed and printed as its string value, so
    ``kind == "sigmoid"`` holds and YAML holds the plain string. omegaconf rejects any other
    value and lists the members in its error."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @classmethod
    def parse(cls, value, key: str):
        """``value`` as a member; :class:`ConfigError` naming ``key`` and the choices if none."""
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise ConfigError(f"{key}='{value}', expected one of: {choices}") from None


class AttentionKind(Choice):
    """How scores become weights: sigmoid (FlashSigmoid kernels) or softmax (PyTorch SDPA)."""

    sigmoid = "sigmoid"
    softmax = "softmax"


class Position(Choice):
    """Relative positions: ALiBi's -slope * |i - j| logit term, rotary q/k, or none."""

    alibi = "alibi"
    rope = "rope"
    none = "none"


class SigmoidBias(Choice):
    """The sigmoid's bias b: -log n of the sequence, a constant, one learned per head, or 0."""

    log_n = "log_n"
    const = "const"
    learnable = "learnable"
    none = "none"


class Frontend(Choice):
    """The 4x subsampling front-end: 2-D convolution over (time, mel), or strided 1-D."""

    conv2d = "conv2d"
    conv1d = "conv1d"


class EncoderType(Choice):
    conformer = "conformer"
    transformer = "transformer"


@dataclass
class AttentionConfig:
    """The self-attention of every encoder layer; encoders and layers take it whole.

    Attributes:
        kind: sigmoid or softmax scores (:class:`AttentionKind`).
        pos: relative positions (:class:`Position`).
        sigmoid_bias: the bias b of sigmoid attention (:class:`SigmoidBias`); softmax
            ignores it.
        sigmoid_bias_value: b when ``const``; the initial b of each head when ``learnable``
            (-6 ~ -log 400).
        qk_norm: RMS-normalize q and k over the head dimension before the scores.
        layer_scale: initial LayerScale gain on each residual branch (stabilizes sigmoid
            attention); 0 disables LayerScale.

    Strings are accepted for the choices: ``AttentionConfig(kind="softmax", pos="rope")``.
    """

    kind: AttentionKind = AttentionKind.sigmoid
    pos: Position = Position.alibi
    sigmoid_bias: SigmoidBias = SigmoidBias.log_n
    sigmoid_bias_value: float = -6.0
    qk_norm: bool = False
    layer_scale: float = 0.0

    def __post_init__(self) -> None:
        self.kind = AttentionKind.parse(self.kind, "attention.kind")
        self.pos = Position.parse(self.pos, "attention.pos")
        self.sigmoid_bias = SigmoidBias.parse(self.sigmoid_bias, "attention.sigmoid_bias")


@dataclass
class EncoderConfig:
    """Encoder architecture. See :class:`sigasr.nn.ConformerEncoder` for the meaning."""

    type: EncoderType = EncoderType.conformer
    d_model: int = 144
    num_layers: int = 6
    num_heads: int = 4
    ffn_dim: int = 0  # 0 means 4 * d_model
    conv_kernel: int = 31  # conformer depthwise convolution
    dropout: float = 0.1
    attention: AttentionConfig = field(default_factory=AttentionConfig)
    post_norm: bool = False  # transformer only


@dataclass
class ModelConfig:
    input_dim: int = 80
    frontend: Frontend = Frontend.conv2d
    vocab_size: int = 0  # filled from the tokenizer at train time; includes the CTC blank (id 0)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)


@dataclass
class SpecAugmentConfig:
    """lhotse's :class:`~lhotse.dataset.SpecAugment` on training batches (icefall's values)."""

    enabled: bool = True
    time_warp_factor: int = 80  # below 1 disables time warping
    num_feature_masks: int = 2
    features_mask_size: int = 27  # F: widest frequency mask, in mel bins
    num_frame_masks: int = 10  # 0: none
    frames_mask_size: int = 100  # T: widest time mask, in frames
    max_frames_mask_fraction: float = 0.15  # a time mask covers at most this share of a cut
    p: float = 0.9  # probability that a batch is augmented at all


@dataclass
class NoiseConfig:
    """Noise and music mixed into training cuts by lhotse's :class:`~lhotse.dataset.CutMix`."""

    enabled: bool = False
    manifest: str = "${data.manifest_dir}/musan_cuts.jsonl.gz"  # from `sigasr prepare musan`
    snr: list[float] = field(default_factory=lambda: [10.0, 20.0])  # dB, drawn uniformly
    p: float = 0.5  # probability that a cut is mixed


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
    # Training cuts with copies at 0.9x and 1.1x speed: stored by `sigasr prepare librispeech`
    # (with this config or --speed-perturb), or made on the fly with on_the_fly_feats.
    speed_perturb: bool = False
    spec_augment: SpecAugmentConfig = field(default_factory=SpecAugmentConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
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
    keep_last: int = 5  # checkpoints kept (0: all); at least decode.avg
    max_nonfinite_steps: int = 20  # consecutive non-finite steps before training stops


@dataclass
class DecodeConfig:
    avg: int = 1  # average the last K checkpoints (at most train.keep_last)
    max_duration: float = 600.0
    test_sets: list[str] = field(default_factory=lambda: ["test-clean", "test-other"])
    method: str = "greedy"  # a row of sigasr.decode.methods.METHODS: greedy | beam | beam-lm
    beam: int = 50  # hypotheses kept after each frame
    beam_threshold: float = 25.0  # drop hypotheses this far (log-prob) below the best
    beam_size_token: int = 0  # the most likely tokens tried per frame; 0: all of them
    search_jobs: int = 0  # beam: utterances searched at once, in processes; 0: all usable cores
    lm: str = ""  # beam-lm: word n-gram, ARPA (.arpa or .arpa.gz) or KenLM binary
    lexicon: str = ""  # beam-lm: word spellings; empty: spelled from the ARPA's words
    # beam-lm: null takes the values `sigasr tune-lm` wrote to <exp-dir>/decode/lm_tuning.yaml
    lm_weight: float | None = None
    word_score: float | None = None
    # the grid `sigasr tune-lm` sweeps on data.dev_sets
    tune_lm_weights: list[float] = field(default_factory=lambda: [0.5, 1.0, 1.5, 2.0, 3.0])
    tune_word_scores: list[float] = field(default_factory=lambda: [-1.0, 0.0, 1.0, 2.0])


@dataclass
class ExperimentConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)


# Configs written before AttentionConfig held its fields flat under model.encoder, with
# ``attention`` naming the kind; they still load, and the old override keys still work.
_FLAT_ATTENTION_KEYS = ("pos", "sigmoid_bias", "sigmoid_bias_value", "qk_norm", "layer_scale")


def upgrade_encoder_keys(encoder) -> None:
    """Moves flat attention keys of an ``encoder`` mapping (in place) under ``attention``."""
    if encoder is None or not hasattr(encoder, "keys"):
        return
    attention = encoder.get("attention")
    moved = {k: encoder.pop(k) for k in _FLAT_ATTENTION_KEYS if k in encoder}
    if attention is not None and not hasattr(attention, "keys"):
        moved["kind"] = attention
        attention = None
    if moved:
        encoder["attention"] = {**(attention or {}), **moved}


def _upgrade_spec_augment(data) -> None:
    """``data.spec_augment: <bool>`` of older configs (in place) as ``{enabled: <bool>}``."""
    if data is not None and isinstance(data.get("spec_augment"), bool):
        data["spec_augment"] = {"enabled": data["spec_augment"]}


def _upgrade_override(item: str) -> str:
    key, value = item.split("=", 1)
    if key == "data.spec_augment":
        return f"data.spec_augment.enabled={value}"
    head, _, leaf = key.rpartition(".")
    if head == "model.encoder" and leaf in _FLAT_ATTENTION_KEYS:
        return f"model.encoder.attention.{leaf}={value}"
    if key == "model.encoder.attention":
        return f"model.encoder.attention.kind={value}"
    return item


def model_config(cfg) -> DictConfig:
    """The ``model`` section ``cfg`` (mapping or DictConfig, old flat keys allowed) typed as
    :class:`ModelConfig`; raises omegaconf's errors for keys or values that do not fit."""
    if not isinstance(cfg, DictConfig) or OmegaConf.get_type(cfg) is not ModelConfig:
        cfg = OmegaConf.create(OmegaConf.to_container(cfg) if isinstance(cfg, DictConfig) else cfg)
        upgrade_encoder_keys(cfg.get("encoder"))
    return OmegaConf.merge(OmegaConf.structured(ModelConfig), cfg)


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
    upgrade_encoder_keys(OmegaConf.select(loaded, "model.encoder"))
    _upgrade_spec_augment(OmegaConf.select(loaded, "data"))
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
            dot = OmegaConf.from_dotlist([_upgrade_override(item)])
        except OmegaConfBaseException as e:
            raise ConfigError(f"override '{item}': {e}") from None
        cfg = _checked_merge(cfg, dot, f"override '{item}'")
    validate(cfg)
    return cfg


# String fields with fixed values outside the model (whose choices are Choice types).
_CHOICES = {
    "train.amp": ("auto", "bf16", "fp32"),
    "data.token_type": ("bpe", "unigram", "char"),
}


def validate(cfg: DictConfig) -> None:
    """Checks enumerated string fields, ranges and keys that contradict each other; raises
    :class:`ConfigError` naming every key involved."""
    _validate_ranges(cfg)
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
    keep, avg = cfg.train.keep_last, cfg.decode.avg
    if keep > 0 and avg > keep:
        raise ConfigError(
            f"config key 'decode.avg' ({avg}) averages more checkpoints than "
            f"'train.keep_last' ({keep}) keeps; raise train.keep_last or lower decode.avg"
        )


def _at_least(low):
    return lambda v: v >= low, f"at least {low}"


def _positive():
    return lambda v: v > 0, "positive"


def _between(low, high, high_open=False):
    if high_open:
        return lambda v: low <= v < high, f"in [{low}, {high})"
    return lambda v: low <= v <= high, f"in [{low}, {high}]"


_RANGES = {  # config key: (holds, what it must be)
    "model.input_dim": _at_least(1),
    "model.encoder.d_model": _at_least(1),
    "model.encoder.num_layers": _at_least(1),
    "model.encoder.num_heads": _at_least(1),
    "model.encoder.ffn_dim": _at_least(0),
    "model.encoder.conv_kernel": _at_least(1),
    "model.encoder.dropout": _between(0, 1, high_open=True),
    "data.vocab_size": _at_least(1),
    "data.max_duration": _positive(),
    "data.num_buckets": _at_least(1),
    "data.min_utt_duration": _at_least(0),
    "data.max_utt_duration": _positive(),
    "data.num_workers": _at_least(0),
    "data.noise.p": _between(0, 1),
    "data.spec_augment.p": _between(0, 1),
    "data.spec_augment.max_frames_mask_fraction": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "data.spec_augment.features_mask_size": _at_least(1),
    "data.spec_augment.frames_mask_size": _at_least(1),
    "data.spec_augment.num_feature_masks": _at_least(0),
    "data.spec_augment.num_frame_masks": _at_least(0),
    "train.max_steps": _at_least(1),
    "train.lr": _positive(),
    "train.weight_decay": _at_least(0),
    "train.warmup_steps": _at_least(0),
    "train.min_lr_ratio": _between(0, 1),
    "train.grad_clip": _positive(),
    "train.accum_grad": _at_least(1),
    "train.log_every": _at_least(1),
    "train.valid_every": _at_least(0),  # 0: never
    "train.save_every": _at_least(1),
    "train.keep_last": _at_least(0),  # 0: all
    "train.max_nonfinite_steps": _at_least(1),
    "decode.avg": _at_least(1),
    "decode.max_duration": _positive(),
    "decode.beam": _at_least(1),
    "decode.beam_threshold": _positive(),
    "decode.beam_size_token": _at_least(0),  # 0: all
    "decode.search_jobs": _at_least(0),  # 0: all usable cores
}


def _validate_ranges(cfg: DictConfig) -> None:
    for key, (holds, bounds) in _RANGES.items():
        if not holds(value := OmegaConf.select(cfg, key)):
            raise ConfigError(f"config key '{key}' ({value}) must be {bounds}")
    data = cfg.data
    if data.min_utt_duration > data.max_utt_duration:
        raise ConfigError(
            f"config key 'data.min_utt_duration' ({data.min_utt_duration}) is above "
            f"'data.max_utt_duration' ({data.max_utt_duration})"
        )
    snr = list(data.noise.snr)
    if len(snr) != 2 or snr[0] > snr[1]:
        raise ConfigError(f"config key 'data.noise.snr' ({snr}) must be [low, high] in dB")


def save_config(cfg: DictConfig, path: str | Path) -> None:
    """Write ``cfg`` as YAML, resolved, so an experiment directory is self-describing."""
    atomic_write_text(path, OmegaConf.to_yaml(cfg, resolve=True))
