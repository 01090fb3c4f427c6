"""Small stand-ins for the data side of training: a tokenizer, a sampler and a loader."""

from __future__ import annotations

import random

import torch

from sigasr.config import ModelConfig


def tiny_model_config(vocab_size: int = 6) -> ModelConfig:
    cfg = ModelConfig(vocab_size=vocab_size)
    cfg.encoder.d_model = 16
    cfg.encoder.num_layers = 1
    cfg.encoder.num_heads = 2
    cfg.encoder.ffn_dim = 32
    cfg.encoder.conv_kernel = 3
    cfg.input_dim = 8
    return cfg


class LetterTokenizer:
    """'a'..'e' are ids 1..5; the blank is 0."""

    vocab_size = 6
    blank_id = 0

    def encode(self, text: str) -> list[int]:
        return [ord(c) - ord("a") + 1 for c in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(chr(i - 1 + ord("a")) for i in ids)


class IndexSampler:
    """Shuffled batches of utterance indices with an exact resumable position.

    With ``world_size`` > 1, rank r takes every world_size-th batch starting at r.
    """

    def __init__(self, num_items: int, batch_size: int, seed=0, rank=0, world_size=1):
        self.num_items, self.batch_size, self.seed = num_items, batch_size, seed
        self.rank, self.world_size = rank, world_size
        self.epoch, self.position = 0, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch, self.position = epoch, 0

    def _batches(self) -> list[list[int]]:
        order = list(range(self.num_items))
        random.Random(self.seed + self.epoch).shuffle(order)
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        return batches[self.rank :: self.world_size]

    def __iter__(self):
        batches = self._batches()
        while self.position < len(batches):
            self.position += 1
            yield batches[self.position - 1]

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.position = state["epoch"], state["position"]


class Loader:
    """Collates utterances (features, text) into the training batch dict."""

    def __init__(self, items: list[tuple[torch.Tensor, str]], sampler, tokenizer):
        self.items, self.sampler, self.tokenizer = items, sampler, tokenizer

    def __iter__(self):
        for indices in self.sampler:
            feats = [self.items[i][0] for i in indices]
            texts = [self.items[i][1] for i in indices]
            yield {
                "features": torch.nn.utils.rnn.pad_sequence(feats, batch_first=True),
                "feature_lens": torch.tensor([f.size(0) for f in feats]),
                "tokens": [self.tokenizer.encode(t) for t in texts],
                "texts": texts,
                "cut_ids": [f"utt{i}" for i in indices],
                "durations": [f.size(0) / 100 for f in feats],
            }


def toy_corpus(n: int = 12, dim: int = 8, seed: int = 0) -> list[tuple[torch.Tensor, str]]:
    gen = torch.Generator().manual_seed(seed)
    rng = random.Random(seed)
    items = []
    for _ in range(n):
        text = "".join(rng.choice("abcde") for _ in range(rng.randint(2, 5)))
        items.append((torch.randn(rng.randint(60, 120), dim, generator=gen), text))
    return items
