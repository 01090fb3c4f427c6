"""Training augmentation from the ``data`` config: speed perturbation, noise mixing, SpecAugment.

Only :func:`sigasr.data.loaders.train_dataloader` applies them; evaluation loaders never do.

- Speed perturbation (``data.speed_perturb``), as icefall does it: every training cut plus
  copies at 0.9x and 1.1x speed (lhotse's ``perturb_speed``, ids ``<id>_sp0.9``). With stored
  features the copies are made and their features computed at prepare time; with
  ``data.on_the_fly_feats`` they are made here and resampled as the audio loads.
- Noise mixing (``data.noise``): lhotse's :class:`~lhotse.dataset.CutMix` adds MUSAN cuts at a
  random SNR to a share of the cuts of each batch (mixed in the fbank domain when features are
  stored).
- SpecAugment (``data.spec_augment``): lhotse's :class:`~lhotse.dataset.SpecAugment` on the
  batch's features.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lhotse import CutSet
from lhotse.augmentation import Speed
from lhotse.dataset import CutMix, SpecAugment

from sigasr.data.musan import read_noise_cuts
from sigasr.data.report import DropReport
from sigasr.errors import ManifestError

SPEED_FACTORS = (0.9, 1.1)


def speed_factor(cut) -> float:
    """The speed factor a cut's audio is played at: 1.0 for an original cut."""
    factor = 1.0
    for transform in (cut.recording.transforms if cut.has_recording else None) or []:
        if isinstance(transform, Speed):
            factor *= transform.factor
        elif isinstance(transform, dict) and transform.get("name") == "Speed":
            factor *= transform["kwargs"]["factor"]
    return factor


def is_original(cut) -> bool:
    """Whether ``cut`` plays at its recorded speed (is not a speed-perturbed copy)."""
    return speed_factor(cut) == 1.0


def with_speed_copies(cuts: CutSet) -> CutSet:
    """``cuts`` followed by their copies at each of :data:`SPEED_FACTORS`."""
    copies = [cuts.perturb_speed(factor) for factor in SPEED_FACTORS]
    return CutSet.from_cuts([*cuts, *(cut for copy in copies for cut in copy)])


def apply_speed_perturb(data_cfg, cuts: CutSet, source: str) -> tuple[CutSet, DropReport]:
    """The training cuts as ``data.speed_perturb`` asks for them, and what was left out.

    Off: speed-perturbed copies a manifest holds are left out (counted in the report). On:
    stored features must include the copies (``ManifestError`` naming ``source`` and the key
    otherwise); on-the-fly features get them here if the manifest has none.
    """
    report = DropReport("speed-perturbation filter", verbose=False)
    perturbed = 0
    for cut in cuts:
        if speed_factor(cut) == 1.0:
            report.keep()
        elif data_cfg.speed_perturb:
            report.keep()
            perturbed += 1
        else:
            report.skip(cut.id, "speed-perturbed copy (data.speed_perturb is false)")
    if not data_cfg.speed_perturb:
        return cuts.filter(is_original), report
    if perturbed:
        return cuts, report
    if data_cfg.on_the_fly_feats:
        return with_speed_copies(cuts), report
    raise ManifestError(
        f"{source}: data.speed_perturb is true but the manifest holds no speed-perturbed cuts; "
        "prepare it with `sigasr prepare librispeech --config <this config>` (or "
        "--speed-perturb), or set data.on_the_fly_feats=true to perturb while training"
    )


def noise_mixer(data_cfg, seed: int) -> CutMix | None:
    """lhotse's CutMix over the ``data.noise.manifest`` cuts, or None when mixing is off."""
    noise = data_cfg.noise
    if not noise.enabled:
        return None
    cuts = read_noise_cuts(Path(noise.manifest), features=not data_cfg.on_the_fly_feats)
    return CutMix(
        cuts,
        snr=tuple(noise.snr),
        p=noise.p,
        pad_to_longest=False,  # each cut keeps its own length
        preserve_id=True,
        seed=seed,
        random_mix_offset=True,
    )


def spec_augment(data_cfg) -> SpecAugment | None:
    """lhotse's SpecAugment with the ``data.spec_augment`` values, or None when it is off.

    lhotse divides by the number of time masks; none is asked of it as one mask of width 0.
    """
    cfg = data_cfg.spec_augment
    if not cfg.enabled:
        return None
    no_time_masks = cfg.num_frame_masks == 0
    return SpecAugment(
        time_warp_factor=cfg.time_warp_factor,
        num_feature_masks=cfg.num_feature_masks,
        features_mask_size=cfg.features_mask_size,
        num_frame_masks=1 if no_time_masks else cfg.num_frame_masks,
        frames_mask_size=1 if no_time_masks else cfg.frames_mask_size,  # widths 0 .. size-1
        max_frames_mask_fraction=cfg.max_frames_mask_fraction,
        p=cfg.p,
    )


def summary(data_cfg, cuts: CutSet, mixer: CutMix | None) -> list[str]:
    """One line per augmentation: what the training batches will get."""
    factors = Counter(speed_factor(cut) for cut in cuts)
    by_speed = ", ".join(f"{n} at {f:g}x" for f, n in sorted(factors.items()))
    lines = [f"speed perturbation: {'on' if data_cfg.speed_perturb else 'off'} ({by_speed})"]
    noise = data_cfg.noise
    if mixer is None:
        lines.append("noise mixing: off")
    else:
        minutes = sum(c.duration for c in mixer.cuts) / 60
        lines.append(
            f"noise mixing: {len(mixer.cuts)} cuts ({minutes:.1f} min) from {noise.manifest}, "
            f"p {noise.p}, SNR {noise.snr[0]:g}-{noise.snr[1]:g} dB"
        )
    sa = data_cfg.spec_augment
    lines.append(
        "SpecAugment: off"
        if not sa.enabled
        else f"SpecAugment: time warp {sa.time_warp_factor}, {sa.num_feature_masks} frequency "
        f"mask(s) up to {sa.features_mask_size} bins, {sa.num_frame_masks} time mask(s) up to "
        f"{sa.frames_mask_size} frames and {sa.max_frames_mask_fraction:.0%} of a cut, p {sa.p}"
    )
    return lines
