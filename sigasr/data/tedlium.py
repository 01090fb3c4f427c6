"""TED-LIUM v3 dev+test → normalized cuts in the four length buckets, with fbank.

The legacy ``{dev,test}/{sph,stm}`` layout goes through lhotse's ``prepare_tedlium``. The
``.sph`` files are plain PCM, read by libsndfile through soundfile, so no sph2pipe is needed.
Segments marked ``ignore_time_segment_in_scoring`` are dropped (lhotse skips them; we count
them from the ``.stm`` files). Text is normalized like LibriSpeech's (:func:`normalize_text`):
upper case, contractions joined, ``<unk>`` removed. Segments left with no words are dropped
and counted.
"""

from __future__ import annotations

from pathlib import Path

from lhotse import CutSet
from lhotse.utils import fastcopy

from sigasr.atomic import atomic_path
from sigasr.data.audio_backend import use_libsndfile
from sigasr.data.buckets import BUCKETS, bucket_of
from sigasr.data.manifests import manifest_file
from sigasr.data.normalize import normalize_text
from sigasr.data.report import DropReport, save_reports
from sigasr.errors import CorpusError

CORPUS = "tedlium"  # manifests: tedlium_cuts_<part>.jsonl.gz
SET_PREFIX = "tedlium-"  # set names: tedlium-<part>, e.g. tedlium-30s+, tedlium-long-300s
PARTS = ("dev", "test")
IGNORED = "ignore_time_segment_in_scoring"


def tedlium_set_name(part: str) -> str:
    """``30s+`` → ``tedlium-30s+``: the name ``sigasr decode`` and configs use for a part."""
    return f"{SET_PREFIX}{part}"


def _check_layout(root: Path) -> int:
    """Raises :class:`CorpusError` unless ``root/legacy/{dev,test}/{sph,stm}`` are there;
    returns the number of ignored segments in the .stm files."""
    ignored = 0
    for part in PARTS:
        for sub, pattern in (("sph", "*.sph"), ("stm", "*.stm")):
            d = root / "legacy" / part / sub
            if not any(d.glob(pattern)):
                raise CorpusError(f"{d}: no {pattern} files (expected TEDLIUM_release-3 layout)")
        for stm in (root / "legacy" / part / "stm").glob("*.stm"):
            ignored += sum(IGNORED in line for line in stm.read_text().splitlines())
    return ignored


def talk_cuts(root: Path, num_jobs: int) -> tuple[CutSet, DropReport]:
    """Dev+test talks, one cut per recording, holding their normalized segments.

    The report counts ignored segments and those emptied by normalization (both dropped).
    """
    from lhotse.recipes import prepare_tedlium

    ignored = _check_layout(root)
    use_libsndfile()
    report = DropReport("tedlium dev+test segments", verbose=False)
    for _ in range(ignored):
        report.skip("stm line", IGNORED)
    manifests = prepare_tedlium(root, dataset_parts=list(PARTS), num_jobs=num_jobs)
    talks = []
    for part in PARTS:
        for talk in CutSet.from_manifests(**manifests[part]):
            kept = []
            for sup in talk.supervisions:
                text = normalize_text(sup.text)
                if not text:
                    report.skip(sup.id, "no words after normalization")
                    continue
                report.keep()
                kept.append(sup.transform_text(lambda _, t=text: t))
            talks.append(fastcopy(talk, supervisions=kept))
    return CutSet.from_cuts(talks), report


def tedlium_cuts(root: Path, num_jobs: int) -> tuple[CutSet, DropReport]:
    """Normalized dev+test segment cuts; the report counts ignored and emptied segments."""
    talks, report = talk_cuts(root, num_jobs)
    return talks.trim_to_supervisions(keep_overlapping=False).to_eager(), report


def prepare_tedlium_buckets(
    root: Path, manifest_dir: Path, feature_dir: Path | None, num_jobs: int
) -> dict[str, int]:
    """Writes ``tedlium_cuts_<bucket>.jsonl.gz`` per bucket; returns cut counts per bucket."""
    from sigasr.data.feature_store import store_fbank

    cuts, report = tedlium_cuts(root, num_jobs)
    reports = [report]
    if feature_dir is not None:
        cuts, feat_report = store_fbank(cuts, feature_dir, "tedlium", num_jobs)
        reports.append(feat_report)
    manifest_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for bucket in BUCKETS:
        subset = cuts.filter(lambda c, b=bucket: bucket_of(c.duration) == b).to_eager()
        with atomic_path(manifest_file(manifest_dir, CORPUS, bucket)) as tmp:
            subset.to_file(tmp)
        counts[bucket] = len(subset)
        print(f"tedlium {bucket}: {len(subset)} segments, {sum(c.duration for c in subset):.0f} s")
    save_reports(reports, manifest_dir / "tedlium_prepare_summary.json")
    return counts


def add_prepare_arguments(parser) -> None:
    """The options of ``sigasr prepare tedlium``."""
    parser.add_argument("--corpus-dir", required=True, help="the TEDLIUM_release-3 directory")
    parser.add_argument("--manifest-dir", default="data/manifests")
    parser.add_argument("--feature-dir", default="data/fbank")
    parser.add_argument("--on-the-fly", action="store_true", help="store no features")
    parser.add_argument("--num-jobs", type=int, default=1)


def prepare_command(args) -> int:
    """``sigasr prepare tedlium``: dev+test segments in the length buckets, with fbank."""
    prepare_tedlium_buckets(
        Path(args.corpus_dir),
        Path(args.manifest_dir),
        None if args.on_the_fly else Path(args.feature_dir),
        args.num_jobs,
    )
    return 0
