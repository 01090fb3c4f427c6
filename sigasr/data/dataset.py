"""The map-style dataset turning a batch of cuts into sigasr's batch dict."""

from __future__ import annotations

import torch
from lhotse import CutSet
from lhotse.dataset import OnTheFlyFeatures, PrecomputedFeatures, SpecAugment

from sigasr.data.features import fbank_extractor


class AsrDataset(torch.utils.data.Dataset):
    """Batches of ``features`` (B,T,80) float32, ``feature_lens`` (B,) int64, ``tokens``,
    ``texts``, ``cut_ids`` and ``durations`` (seconds), longest cut first.

    Args:
        tokenizer: encodes ``texts`` into ``tokens``; None leaves ``tokens`` out.
        on_the_fly: compute fbank from audio instead of reading stored features.
        spec_augment: apply SpecAugment (training only).
    """

    def __init__(self, tokenizer=None, on_the_fly: bool = False, spec_augment: bool = False):
        self.tokenizer = tokenizer
        self.on_the_fly = on_the_fly
        self.inputs = OnTheFlyFeatures(fbank_extractor()) if on_the_fly else PrecomputedFeatures()
        self.spec_augment = SpecAugment() if spec_augment else None

    def __getitem__(self, cuts: CutSet) -> dict:
        cuts = cuts.sort_by_duration(ascending=False)
        features, feature_lens = self.inputs(cuts)
        if self.spec_augment is not None:
            features = self.spec_augment(features)
        texts = [" ".join(s.text for s in cut.supervisions) for cut in cuts]
        batch = {
            "features": features.float(),
            "feature_lens": feature_lens.long(),
            "texts": texts,
            "cut_ids": [cut.id for cut in cuts],
            "durations": [float(cut.duration) for cut in cuts],
        }
        if self.tokenizer is not None:
            batch["tokens"] = [self.tokenizer.encode(t) for t in texts]
        return batch
