"""MUSAN (music, noise, babble) as lhotse cuts with fbank, the noise that training mixes in.

As icefall prepares it: lhotse's ``prepare_musan`` reads the corpus, recordings are cut into
10 s windows, windows shorter than 5 s are left out (counted), and fbank is stored so that
:class:`~lhotse.dataset.CutMix` mixes in the feature domain.
"""

from __future__ import annotations

from pathlib import Path

from lhotse import CutSet, RecordingSet

from sigasr.data.report import DropReport
from sigasr.errors import CorpusError, ManifestError

CORPUS = "musan"
MUSAN_PARTS = ("music", "noise", "speech")
WINDOW_SECONDS = 10.0
MIN_WINDOW_SECONDS = 5.0
MANIFEST_NAME = "musan_cuts.jsonl.gz"


def musan_manifest(manifest_dir: str | Path) -> Path:
    """Where ``sigasr prepare musan`` writes the cuts (``data.noise.manifest``'s default)."""
    return Path(manifest_dir) / MANIFEST_NAME


def prepare_musan_cuts(corpus_dir: Path, parts: list[str]) -> tuple[CutSet, DropReport]:
    """The 10 s windows of every recording of ``parts`` (no features yet), and what was left out.

    Raises :class:`CorpusError` naming the directory when a part is missing or holds no audio,
    or naming the file lhotse could not read.
    """
    from lhotse.recipes import prepare_musan

    missing = [str(corpus_dir / part) for part in parts if not (corpus_dir / part).is_dir()]
    if missing:
        raise CorpusError(f"MUSAN part directories not found: {', '.join(missing)}")
    try:
        manifests = prepare_musan(corpus_dir, parts=parts)
    except Exception as e:  # lhotse and libsndfile raise many types for unreadable audio
        raise CorpusError(f"{corpus_dir}: cannot read the MUSAN corpus ({e})") from None
    for part in parts:
        if len(manifests[part]["recordings"]) == 0:
            raise CorpusError(f"{corpus_dir / part}: no .wav recordings")
    recordings = RecordingSet.from_recordings(
        recording for part in parts for recording in manifests[part]["recordings"]
    )
    windows = CutSet.from_manifests(recordings=recordings).cut_into_windows(WINDOW_SECONDS)
    report = DropReport("musan windows", verbose=False)
    kept = []
    for cut in windows:
        if cut.duration < MIN_WINDOW_SECONDS:
            report.skip(cut.id, f"window shorter than {MIN_WINDOW_SECONDS} s")
        else:
            report.keep()
            kept.append(cut)
    return CutSet.from_cuts(kept), report


def read_noise_cuts(path: Path, features: bool) -> CutSet:
    """The noise cuts at ``path``, each with stored features (``features``) or readable audio.

    Raises :class:`ManifestError` naming the file (and the config key that points to it).
    """
    if not path.is_file():
        raise ManifestError(
            f"{path}: no noise manifest for data.noise.manifest (run `sigasr prepare musan`, "
            "or set data.noise.enabled=false)"
        )
    try:
        cuts = CutSet.from_file(path).to_eager()
    except Exception as e:  # gzip, json and lhotse raise many types for damaged files
        raise ManifestError(f"{path}: not a readable cut manifest ({e})") from None
    if len(cuts) == 0:
        raise ManifestError(f"{path}: holds no noise cuts")
    for cut in cuts:
        if features and not cut.has_features:
            raise ManifestError(f"{path}: noise cut '{cut.id}' has no features")
        files = (
            [cut.features.storage_path]
            if features
            else [s.source for s in cut.recording.sources if s.type == "file"]
        )
        for file in files:
            if not Path(file).exists():
                raise ManifestError(
                    f"{path}: cut '{cut.id}' refers to {file}, which does not exist"
                )
    return cuts


def add_prepare_arguments(parser) -> None:
    """The options of ``sigasr prepare musan``."""
    parser.add_argument("--corpus-dir", required=True, help="the musan directory")
    parser.add_argument("--download", action="store_true", help="download MUSAN (11 GB) first")
    parser.add_argument("--parts", nargs="+", default=list(MUSAN_PARTS))
    parser.add_argument("--manifest-dir", default="data/manifests")
    parser.add_argument("--feature-dir", default="data/fbank")
    parser.add_argument("--num-jobs", type=int, default=1)
    parser.add_argument(
        "--config",
        help="experiment YAML: nothing to do unless data.noise.enabled; the cuts go to "
        "data.noise.manifest (instead of --manifest-dir)",
    )
    parser.add_argument(
        "--overrides", nargs="*", default=[], metavar="KEY=VALUE", help="for --config"
    )


def prepare_command(args) -> int:
    """``sigasr prepare musan``: download (``--download``), 10 s windows, stored fbank."""
    from sigasr.atomic import atomic_path
    from sigasr.data.feature_store import store_fbank
    from sigasr.data.report import save_reports

    manifest = musan_manifest(args.manifest_dir)
    if args.config:
        from sigasr.config import load_config

        noise = load_config(args.config, args.overrides).data.noise
        if not noise.enabled:
            print(f"musan: data.noise.enabled is false in {args.config}; nothing to prepare")
            return 0
        manifest = Path(noise.manifest)
    corpus_dir = Path(args.corpus_dir)
    if args.download:
        from lhotse.recipes import download_musan

        corpus_dir = download_musan(corpus_dir.parent)
    cuts, report = prepare_musan_cuts(corpus_dir, list(args.parts))
    cuts, feat_report = store_fbank(cuts, Path(args.feature_dir), CORPUS, args.num_jobs)
    save_reports([report, feat_report], manifest.parent / "musan_prepare_summary.json")
    if len(cuts) == 0:
        raise CorpusError(f"{corpus_dir}: no usable noise cuts")
    with atomic_path(manifest) as tmp:
        cuts.to_file(tmp)
    print(f"musan: {len(cuts)} cuts, {sum(c.duration for c in cuts) / 60:.1f} min in {manifest}")
    return 0
