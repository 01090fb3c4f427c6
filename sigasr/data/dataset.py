"""The map-style dataset turning a batch of cuts into sigasr's batch dict."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from lhotse import CutSet
from lhotse.dataset import AudioSamples, OnTheFlyFeatures, PrecomputedFeatures, SpecAugment

from sigasr.data.features import SAMPLING_RATE, fbank_extractor
from sigasr.data.manifests import ManifestError, input_files


class AsrDataset(torch.utils.data.Dataset):
    """Batches of ``features`` (B,T,80) float32, ``feature_lens`` (B,) int64, ``tokens``,
    ``texts``, ``cut_ids`` and ``durations`` (seconds), longest cut first. With ``audio`` the
    batch holds 16 kHz ``audio`` (B,S) float32 and ``audio_lens`` (B,) int64 instead of
    features, for :class:`sigasr.data.features.BatchFbank` to compute them on the device.

    Args:
        tokenizer: encodes ``texts`` into ``tokens``; None leaves ``tokens`` out.
        on_the_fly: compute fbank from audio instead of reading stored features.
        cut_transforms: applied to the cuts before their features load (noise mixing).
        spec_augment: applied to the features (B, T, 80) and lengths.
        audio: load audio (resampled to 16 kHz), not features.
    """

    def __init__(
        self,
        tokenizer=None,
        on_the_fly: bool = False,
        cut_transforms: Sequence[Callable[[CutSet], CutSet]] = (),
        spec_augment: SpecAugment | None = None,
        audio: bool = False,
    ):
        self.tokenizer = tokenizer
        self.on_the_fly = on_the_fly or audio
        self.audio = audio
        if audio:
            self.inputs = AudioSamples()
        elif on_the_fly:
            self.inputs = OnTheFlyFeatures(fbank_extractor())
        else:
            self.inputs = PrecomputedFeatures()
        self.cut_transforms = list(cut_transforms)
        self.spec_augment = spec_augment

    def __getitem__(self, cuts: CutSet) -> dict:
        for transform in self.cut_transforms:
            cuts = transform(cuts)
        cuts = cuts.sort_by_duration(ascending=False)
        if self.audio:
            cuts = cuts.resample(SAMPLING_RATE)
        features, feature_lens = self._load(cuts)
        if self.spec_augment is not None:
            features = self.spec_augment(features)
        texts = [" ".join(s.text for s in cut.supervisions) for cut in cuts]
        kind = "audio" if self.audio else "feature"
        batch = {
            "features" if kind == "feature" else "audio": features.float(),
            f"{kind}_lens": feature_lens.long(),
            "texts": texts,
            "cut_ids": [cut.id for cut in cuts],
            "durations": [float(cut.duration) for cut in cuts],
        }
        if self.tokenizer is not None:
            batch["tokens"] = [self.tokenizer.encode(t) for t in texts]
        return batch

    def _load(self, cuts: CutSet):
        """Features (B, T, 80) and lengths; :class:`ManifestError` naming the file if one fails."""
        try:
            return self.inputs(cuts)
        except Exception:  # lilcom, libsndfile and lhotse raise many types
            for cut in cuts:
                try:
                    self.inputs(CutSet.from_cuts([cut]))
                except Exception as e:
                    used = input_files(cut, features=not self.on_the_fly, audio=self.on_the_fly)
                    files = ", ".join(used)
                    raise ManifestError(
                        f"{files}: cannot load the input of cut '{cut.id}' "
                        f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
                    ) from None
            raise
