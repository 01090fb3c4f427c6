"""Training and evaluation data loaders over prepared cut manifests."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch
from lhotse import CutSet
from lhotse.dataset import DynamicBucketingSampler, SimpleCutSampler
from lhotse.lazy import LazyIteratorChain
from torch.utils.data import DataLoader, get_worker_info

from sigasr.data import augment
from sigasr.data.corpora import cuts_path, load_set
from sigasr.data.dataset import AsrDataset
from sigasr.data.filters import filter_training_cuts
from sigasr.data.manifests import ManifestError


class _OneBucketSampler(DynamicBucketingSampler):
    """A DynamicBucketingSampler with one bucket: no duration bins (lhotse cannot estimate
    bins for one bucket). On every epoch lhotse's buffer-size diagnostic takes the mean of
    the empty list of bins, and NumPy warns about it; the warning says nothing about the
    data, so it is not shown."""

    def __init__(self, cuts, **options):
        super().__init__(cuts, duration_bins=[], **options)

    def __iter__(self):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
            warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
            return super().__iter__()


def train_dataloader(
    data_cfg,
    tokenizer,
    frames_after_subsampling: Callable[[int], int],
    *,
    world_size: int = 1,
    rank: int = 0,
    seed: int = 0,
) -> tuple[DataLoader, DynamicBucketingSampler]:
    """Shuffled duration-bucketed batches of ``data_cfg.max_duration`` seconds for one rank,
    with the augmentation the config asks for (:mod:`sigasr.data.augment`).

    Under DDP (``world_size > 1``) the sampler drops each bucket's short last batch of an epoch
    so that all ranks take the same number of steps; ``data.drop_last`` overrides that either
    way (the trainer reports the cuts left out). The filter report is at
    ``sampler.drop_report``; the sampler's ``state_dict()`` / ``load_state_dict()`` resume
    mid-epoch.

    Manifests are read lazily (checked in one pass, then streamed by the sampler through its
    bucketing and shuffling buffers of lhotse's default size, 20k cuts): a process holds the
    buffers, not the corpus. Batches are loaded in ``data.num_workers`` worker processes, into
    pinned memory when CUDA is available.
    """
    cuts = CutSet(
        LazyIteratorChain(
            *(
                load_set(data_cfg.manifest_dir, name, audio=data_cfg.on_the_fly_feats, lazy=True)
                for name in data_cfg.train_sets
            )
        )
    )
    if not data_cfg.on_the_fly_feats and (
        bare := next((c for c in cuts if not c.has_features), None)
    ):
        raise ManifestError(
            f"{_files(data_cfg)}: cut '{bare.id}' has no features "
            "(prepare without --on-the-fly, or set data.on_the_fly_feats=true)"
        )
    cuts, speed_report = augment.apply_speed_perturb(data_cfg, cuts, _files(data_cfg))
    print(speed_report.table())
    cuts, report = filter_training_cuts(
        cuts,
        tokenizer,
        frames_after_subsampling,
        data_cfg.min_utt_duration,
        data_cfg.max_utt_duration,
    )
    print(report.table())
    if report.kept == 0:
        raise ManifestError(
            f"{_files(data_cfg)}: no training cuts left after filtering ({report.table()})"
        )
    num_buckets = min(data_cfg.num_buckets, report.kept)  # lhotse fails on more buckets than cuts
    sampler_class = _OneBucketSampler if num_buckets == 1 else DynamicBucketingSampler
    sampler = sampler_class(
        cuts,
        max_duration=data_cfg.max_duration,
        num_buckets=num_buckets,
        shuffle=True,
        drop_last=world_size > 1 if data_cfg.drop_last is None else data_cfg.drop_last,
        world_size=world_size,
        rank=rank,
        seed=seed,
    )
    sampler.drop_report = report
    mixer = augment.noise_mixer(data_cfg, seed + rank)
    print("\n".join(augment.summary(data_cfg, cuts, mixer)))
    dataset = AsrDataset(
        tokenizer,
        on_the_fly=data_cfg.on_the_fly_feats,
        cut_transforms=[mixer] if mixer is not None else [],
        spec_augment=augment.spec_augment(data_cfg),
    )
    loader = DataLoader(
        dataset,
        sampler=sampler,
        batch_size=None,
        num_workers=data_cfg.num_workers,
        persistent_workers=data_cfg.num_workers > 0,
        worker_init_fn=own_noise_stream,
        pin_memory=torch.cuda.is_available(),
    )
    return loader, sampler


def own_noise_stream(worker_id: int) -> None:
    """Gives each loader worker's copy of the noise mixer a seed of its own; with one seed,
    every worker would draw the same noise cuts, SNRs and coin flips for its batches."""
    for transform in get_worker_info().dataset.cut_transforms:
        transform.seed = transform.seed * 1000 + 1 + worker_id


def eval_dataloader(
    data_cfg, cuts: CutSet, max_duration: float, num_workers: int = 0, audio: bool = False
) -> DataLoader:
    """Every cut of ``cuts`` exactly once, in the order of ``cuts``, on every rank (never
    sharded), loaded in ``num_workers`` worker processes.

    Batches hold up to ``max_duration`` seconds, raised to the longest cut: no cut is split.
    With ``audio`` they hold audio for the decoding device to compute fbank from
    (:class:`sigasr.data.dataset.AsrDataset`).
    """
    on_the_fly = data_cfg.on_the_fly_feats or not all(c.has_features for c in cuts)
    max_duration = max([max_duration, *(c.duration for c in cuts)])
    sampler = SimpleCutSampler(cuts, max_duration=max_duration, shuffle=False, world_size=1, rank=0)
    return DataLoader(
        AsrDataset(None, on_the_fly=on_the_fly, audio=audio),
        sampler=sampler,
        batch_size=None,
        num_workers=num_workers,
        pin_memory=torch.cuda.is_available(),
    )


def _files(data_cfg) -> str:
    return ", ".join(str(cuts_path(data_cfg.manifest_dir, n)) for n in data_cfg.train_sets)
