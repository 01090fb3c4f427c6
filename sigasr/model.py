"""CTCModel: an encoder with a linear CTC head, saved as config.yaml + model.safetensors."""

from __future__ import annotations

import zlib
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException
from safetensors import safe_open
from safetensors.torch import save_file
from torch import Tensor, nn

from sigasr.atomic import atomic_path, atomic_write_text, with_default_mode
from sigasr.checksum import state_checksum
from sigasr.config import AttentionConfig, EncoderType, ModelConfig, model_config
from sigasr.errors import ModelLoadError
from sigasr.hub import resolve_model_dir
from sigasr.nn import ConformerEncoder, TransformerEncoder, subsampled_length

CONFIG_FILE = "config.yaml"
WEIGHTS_FILE = "model.safetensors"
CRC_KEY = "crc32"  # in the safetensors metadata: state_checksum of the weights
CONFIG_CRC_KEY = "config_crc32"  # ... and zlib.crc32 of config.yaml's bytes


ENCODERS = {EncoderType.conformer: ConformerEncoder, EncoderType.transformer: TransformerEncoder}


def build_encoder(cfg: ModelConfig) -> nn.Module:
    """The encoder that ``cfg.encoder.type`` names, with its options from the config."""
    enc = cfg.encoder
    options = dict(
        input_dim=cfg.input_dim,
        d_model=enc.d_model,
        num_layers=enc.num_layers,
        num_heads=enc.num_heads,
        ffn_dim=enc.ffn_dim,
        dropout=enc.dropout,
        attention=AttentionConfig(**enc.attention),
        frontend=cfg.frontend,
    )
    if enc.type == EncoderType.conformer:
        options["conv_kernel"] = enc.conv_kernel
    else:
        options["post_norm"] = enc.post_norm
    return ENCODERS[enc.type](**options)


class CTCModel(nn.Module):
    """Encoder -> Dropout -> Linear over ``vocab_size`` tokens (blank = 0) -> log-softmax.

    Args:
        cfg: the ``model`` section of the experiment config (a :class:`ModelConfig`).

    Shapes: features (B, T, F) float, feature_lens (B,) int ->
    log_probs (B, T', V) float32, out_lens (B,) int64.
    """

    def __init__(self, cfg: ModelConfig | DictConfig):
        super().__init__()
        self.cfg = model_config(cfg)
        if self.cfg.vocab_size < 2:
            raise ValueError(
                f"model.vocab_size={self.cfg.vocab_size}: it must count the blank and the "
                "tokens (it is normally taken from the tokenizer)"
            )
        self.encoder = build_encoder(self.cfg)
        self.dropout = nn.Dropout(self.cfg.encoder.dropout)
        self.head = nn.Linear(self.cfg.encoder.d_model, self.cfg.vocab_size)

    def forward(self, features: Tensor, feature_lens: Tensor | list[int]) -> tuple[Tensor, Tensor]:
        x, out_lens = self.encoder(features, feature_lens)
        logits = self.head(self.dropout(x)).float()
        return logits.log_softmax(dim=-1), out_lens.long()

    def frames_after_subsampling(self, num_frames: int) -> int:
        return subsampled_length(num_frames, self.cfg.frontend)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def save_pretrained(self, directory: str | Path) -> None:
        """Writes ``config.yaml`` and ``model.safetensors`` (no pickle) into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        config = OmegaConf.to_yaml(self.cfg, resolve=True)
        atomic_write_text(directory / CONFIG_FILE, config)
        state = {k: v.detach().contiguous().cpu() for k, v in self.state_dict().items()}
        metadata = {
            "format": "sigasr-ctc",
            CRC_KEY: str(state_checksum(state)),
            CONFIG_CRC_KEY: str(zlib.crc32(config.encode())),
        }
        with atomic_path(directory / WEIGHTS_FILE) as tmp:
            save_file(state, str(tmp), metadata=metadata)
            with_default_mode(tmp)

    @classmethod
    def from_pretrained(
        cls, name: str | Path, map_location="cpu", cache_dir: str | Path | None = None
    ) -> CTCModel:
        """Rebuilds the model saved by :meth:`save_pretrained`; loading runs no code.

        ``name`` is a model directory or a Hugging Face Hub id (``org/name[@revision]``),
        fetched through ``huggingface_hub``'s cache (``cache_dir``, by default its own); see
        :func:`sigasr.hub.resolve_model_dir`.

        Raises :class:`ModelLoadError` naming the file for a missing or unreadable file,
        a config from another version, weights failing their checksum, or missing,
        unexpected or mis-shaped weights, and :class:`~sigasr.hub.ModelNotFoundError` for a
        name that is neither a directory nor a Hub model that can be fetched.
        """
        directory = resolve_model_dir(name, cache_dir)
        config_path, weights_path = directory / CONFIG_FILE, directory / WEIGHTS_FILE
        for path in (config_path, weights_path):
            if not path.is_file():
                raise ModelLoadError(f"{path}: missing (not a sigasr model directory?)")
        try:
            cfg = model_config(OmegaConf.load(config_path))
        except OmegaConfBaseException as e:
            key = getattr(e, "full_key", "?")
            raise ModelLoadError(
                f"{config_path}: key '{key}' does not fit this sigasr version's model config: "
                f"{str(e.msg).splitlines()[0]}"
            ) from None
        except Exception as e:
            raise ModelLoadError(f"{config_path}: cannot parse: {e}") from None
        try:
            model = cls(cfg)
        except Exception as e:  # values the model cannot be built with, several error types
            raise ModelLoadError(f"{config_path}: {e}") from None
        try:
            with safe_open(str(weights_path), "pt", device=str(map_location)) as f:
                metadata = f.metadata() or {}
                state = {name: f.get_tensor(name) for name in f.keys()}
        except Exception as e:  # SafetensorError, OSError and others for damaged files
            raise ModelLoadError(f"{weights_path}: unreadable safetensors file: {e}") from None
        load_state_checked(model, state, weights_path)
        if metadata.get(CONFIG_CRC_KEY) != str(zlib.crc32(config_path.read_bytes())):
            raise ModelLoadError(
                f"{config_path}: not the config the weights in {WEIGHTS_FILE} were exported "
                "with (checksum mismatch); it was edited or damaged"
            )
        if metadata.get(CRC_KEY) != str(state_checksum(state)):
            raise ModelLoadError(
                f"{weights_path}: checksum mismatch (or no '{CRC_KEY}' metadata); "
                "the weights were damaged after export"
            )
        return model


def load_state_checked(model: nn.Module, state: dict[str, Tensor], source) -> None:
    """``load_state_dict`` that raises :class:`ModelLoadError` naming ``source`` and the key."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing:
        raise ModelLoadError(f"{source}: missing weight '{missing[0]}' ({len(missing)} missing)")
    if unexpected:
        raise ModelLoadError(
            f"{source}: unexpected weight '{unexpected[0]}' ({len(unexpected)} unexpected)"
        )
    for key, value in state.items():
        if value.shape != expected[key].shape:
            raise ModelLoadError(
                f"{source}: weight '{key}' has shape {tuple(value.shape)}, "
                f"the model expects {tuple(expected[key].shape)}"
            )
    with torch.no_grad():
        model.load_state_dict(state, strict=True)
