"""LibriSpeech parts → validated lhotse cuts (with fbank), every dropped item counted by reason.

Policy for bad input, checked before lhotse's ``prepare_librispeech`` reads the part:

- a missing part directory, or one without ``<spk>/<chapter>/*.trans.txt``: stop (wrong layout);
- audio that is corrupt, truncated or empty, and transcript lines with an id but no text
  (whether or not their audio exists): stop, listing every such file, because lhotse's
  recipe cannot read past them; fix or remove them and run again;
- a transcript line whose audio is missing, audio without a transcript line, non-ASCII
  text, a sampling rate other than 16 kHz, more than one channel: skip the utterance and
  count it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import soundfile as sf
from lhotse import CutSet
from lhotse.utils import fastcopy

from sigasr.data.report import DropReport
from sigasr.errors import CorpusError

CORPUS = "librispeech"  # manifests: librispeech_cuts_<part>.jsonl.gz; set name = part
PARTS = ("train-clean-100", "dev-clean", "dev-other", "test-clean", "test-other")
SAMPLING_RATE = 16_000
SKIPPED_AUDIO = ("sampling rate", "channels")  # audio problems that skip, not stop


@dataclass
class PartCheck:
    """What :func:`check_part` found: utterance ids to skip with reasons, fatal problems, and
    how many utterances are usable."""

    skip: dict[str, str] = field(default_factory=dict)
    fatal: list[str] = field(default_factory=list)
    usable: int = 0


def _audio_problem(path: Path) -> str | None:
    try:
        info = sf.info(path)
    except Exception as e:  # libsndfile reports corrupt files with several error types
        return f"unreadable audio ({e})"
    if info.frames == 0:
        return "empty audio"
    try:
        sf.read(path, frames=1, start=info.frames - 1)
    except Exception:
        return "truncated audio"
    if info.samplerate != SAMPLING_RATE:
        return f"sampling rate {info.samplerate} Hz, expected {SAMPLING_RATE}"
    if info.channels != 1:
        return f"channels: {info.channels}, expected 1"
    return None


def check_part(part_dir: Path) -> PartCheck:
    """Validates one part in LibriSpeech layout; raises :class:`CorpusError` on layout errors."""
    if not part_dir.is_dir():
        raise CorpusError(f"{part_dir}: part directory not found (expected LibriSpeech layout)")
    transcripts = sorted(part_dir.glob("*/*/*.trans.txt"))
    if not transcripts:
        raise CorpusError(
            f"{part_dir}: no <speaker>/<chapter>/<speaker>-<chapter>.trans.txt files; "
            "this is not a LibriSpeech part"
        )
    check = PartCheck()
    listed: set[Path] = set()
    for trans in transcripts:
        for lineno, line in enumerate(trans.read_text(errors="replace").splitlines(), 1):
            if not line.strip():
                continue
            utt_id, _, text = line.strip().partition(" ")
            audio = trans.parent / f"{utt_id}.flac"
            listed.add(audio)
            if not text.strip():
                check.fatal.append(f"{trans}:{lineno}: empty transcript for {utt_id}")
            elif not audio.is_file():
                check.skip[utt_id] = f"transcript line {trans}:{lineno} has no audio {audio}"
            elif (problem := _audio_problem(audio)) and not problem.startswith(SKIPPED_AUDIO):
                check.fatal.append(f"{audio}: {problem}")
            elif problem:
                check.skip[utt_id] = f"{audio}: {problem}"
            elif not text.isascii():
                check.skip[utt_id] = f"non-ASCII text at {trans}:{lineno}"
            else:
                check.usable += 1
    for audio in sorted(set(part_dir.glob("*/*/*.flac")) - listed):
        check.skip[audio.stem] = f"audio {audio} has no transcript line"
    return check


def _reason_kind(message: str) -> str:
    for kind in ("no audio", "no transcript", "non-ASCII", *SKIPPED_AUDIO):
        if kind in message:
            return kind
    return "other"


def prepare_part_cuts(corpus_dir: Path, part: str, num_jobs: int) -> tuple[CutSet, DropReport]:
    """The validated cuts of one part (no features yet) and the report of what was skipped."""
    from lhotse.recipes import prepare_librispeech

    check = check_part(corpus_dir / part)
    if check.fatal:
        raise CorpusError(
            f"{len(check.fatal)} unusable file(s) in {corpus_dir / part}:\n  "
            + "\n  ".join(check.fatal)
        )
    cuts = CutSet()
    if check.usable:  # lhotse's recipe fails on a part with nothing to prepare
        manifests = prepare_librispeech(corpus_dir, dataset_parts=[part], num_jobs=num_jobs)
        cuts = CutSet.from_manifests(
            recordings=manifests[part]["recordings"], supervisions=manifests[part]["supervisions"]
        )
    report = DropReport(f"librispeech {part} manifests", verbose=False)
    kept = []
    for cut in cuts:
        utt_id = cut.recording_id
        if utt_id in check.skip:
            report.skip(utt_id, _reason_kind(check.skip[utt_id]))
        else:
            kept.append(fastcopy(cut, id=utt_id))
            report.keep()
    prepared = {cut.recording_id for cut in cuts}
    for utt_id, message in check.skip.items():
        print(f"[librispeech {part}] skipped {utt_id}: {message}")
        if utt_id not in prepared:
            report.skip(utt_id, _reason_kind(message))
    return CutSet.from_cuts(kept), report


def add_prepare_arguments(parser) -> None:
    """The options of ``sigasr prepare librispeech``."""
    parser.add_argument(
        "--corpus-dir", required=True, help="directory holding the LibriSpeech parts"
    )
    parser.add_argument("--manifest-dir", default="data/manifests")
    parser.add_argument("--parts", nargs="+", default=list(PARTS))
    parser.add_argument("--download", action="store_true", help="download the parts first")
    parser.add_argument("--download-dir", help="where to download (default: parent of corpus-dir)")
    parser.add_argument(
        "--mirror",
        default="http://www.openslr.org/resources",
        help="base URL that serves 12/<part>.tar.gz (default: openslr.org)",
    )
    parser.add_argument("--feature-dir", default="data/fbank")
    parser.add_argument("--on-the-fly", action="store_true", help="store no features")
    parser.add_argument("--speed-perturb", action="store_true", help="add 0.9x/1.1x train copies")
    parser.add_argument(
        "--config",
        help="experiment YAML: data.speed_perturb adds 0.9x/1.1x copies of its data.train_sets; "
        "data.on_the_fly_feats stores no features",
    )
    parser.add_argument(
        "--overrides", nargs="*", default=[], metavar="KEY=VALUE", help="for --config"
    )
    parser.add_argument("--stop-after", choices=("download", "manifests", "features"))
    parser.add_argument(
        "--num-jobs", type=int, default=1, help="processes (1 is fastest for small sets)"
    )


def prepare_command(args) -> int:
    """``sigasr prepare librispeech``: download (``--download``), validate, cut, store fbank."""
    from sigasr.atomic import atomic_path
    from sigasr.data.augment import with_speed_copies
    from sigasr.data.feature_store import store_fbank
    from sigasr.data.manifests import manifest_file
    from sigasr.data.report import save_reports

    corpus_dir = Path(args.corpus_dir)
    perturbed_parts = {part for part in args.parts if part.startswith("train")}
    if args.config:
        from sigasr.config import load_config

        data = load_config(args.config, args.overrides).data
        args.speed_perturb = args.speed_perturb or data.speed_perturb
        args.on_the_fly = args.on_the_fly or data.on_the_fly_feats
        perturbed_parts = set(data.train_sets)
    if args.download:
        from lhotse.recipes import download_librispeech

        target = Path(args.download_dir) if args.download_dir else corpus_dir.parent
        download_librispeech(target, dataset_parts=list(args.parts), base_url=args.mirror)
        if args.stop_after == "download":
            return 0
    manifest_dir = Path(args.manifest_dir)
    manifest_dir.mkdir(parents=True, exist_ok=True)
    reports, unusable = [], []
    for part in args.parts:
        cuts, report = prepare_part_cuts(corpus_dir, part, args.num_jobs)
        reports.append(report)
        if len(cuts) == 0:
            unusable.append(f"{part} ({report.table()})")
            continue
        if args.speed_perturb and part in perturbed_parts:
            cuts = with_speed_copies(cuts)
        if args.stop_after != "manifests" and not args.on_the_fly:
            cuts, feat_report = store_fbank(
                cuts, Path(args.feature_dir), f"librispeech_{part}", args.num_jobs
            )
            reports.append(feat_report)
        with atomic_path(manifest_file(manifest_dir, CORPUS, part)) as tmp:
            cuts.to_file(tmp)
    save_reports(reports, manifest_dir / "librispeech_prepare_summary.json")
    if unusable:
        raise CorpusError(f"no usable utterances, no manifest written: {'; '.join(unusable)}")
    return 0
