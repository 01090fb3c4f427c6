"""`sigasr prepare`: lhotse manifests and fbank (librispeech, tedlium), long-form TED-LIUM sets,
SentencePiece tokens."""

from __future__ import annotations

from pathlib import Path

LIBRISPEECH_PARTS = ("train-clean-100", "dev-clean", "dev-other", "test-clean", "test-other")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "prepare",
        help="Prepare lhotse manifests, features and tokenizers "
        "(librispeech, tedlium, long-form, tokenizer).",
    )
    sub = p.add_subparsers(dest="corpus", metavar="WHAT", required=True)

    ls = sub.add_parser("librispeech", help="LibriSpeech cuts with 80-dim fbank")
    ls.add_argument("--corpus-dir", required=True, help="directory holding the LibriSpeech parts")
    ls.add_argument("--manifest-dir", default="data/manifests")
    ls.add_argument("--parts", nargs="+", default=list(LIBRISPEECH_PARTS))
    ls.add_argument("--download", action="store_true", help="download the parts first")
    ls.add_argument("--download-dir", help="where to download (default: parent of corpus-dir)")
    ls.add_argument(
        "--mirror",
        default="http://www.openslr.org/resources",
        help="base URL that serves 12/<part>.tar.gz (default: openslr.org)",
    )
    ls.add_argument("--feature-dir", default="data/fbank")
    ls.add_argument("--on-the-fly", action="store_true", help="store no features")
    ls.add_argument("--speed-perturb", action="store_true", help="add 0.9x/1.1x train copies")
    ls.add_argument("--stop-after", choices=("download", "manifests", "features"))
    ls.add_argument(
        "--num-jobs", type=int, default=1, help="processes (1 is fastest for small sets)"
    )
    ls.set_defaults(func=run_librispeech)

    ted = sub.add_parser("tedlium", help="TED-LIUM v3 dev+test cuts in four length buckets")
    ted.add_argument("--corpus-dir", required=True, help="the TEDLIUM_release-3 directory")
    ted.add_argument("--manifest-dir", default="data/manifests")
    ted.add_argument("--feature-dir", default="data/fbank")
    ted.add_argument("--on-the-fly", action="store_true", help="store no features")
    ted.add_argument("--num-jobs", type=int, default=1)
    ted.set_defaults(func=run_tedlium)

    long = sub.add_parser(
        "long-form",
        help="TED-LIUM v3 dev+test windows of whole segments, at least D seconds each",
        description="Writes tedlium-long-<D>s manifests (decode them with --test-sets); "
        "features are computed at decode time.",
    )
    long.add_argument("--corpus-dir", required=True, help="the TEDLIUM_release-3 directory")
    long.add_argument("--manifest-dir", default="data/manifests")
    long.add_argument("--durations", type=float, nargs="+", default=[60.0, 120.0, 300.0])
    long.add_argument("--num-jobs", type=int, default=1)
    long.set_defaults(func=run_long_form)

    tok = sub.add_parser("tokenizer", help="SentencePiece on the training transcripts")
    tok.add_argument("--config", help="experiment YAML; its data section gives the defaults")
    tok.add_argument("--manifest-dir")
    tok.add_argument("--lang-dir", help="default: data/lang_<type>_<N>")
    tok.add_argument("--vocab-size", type=int)
    tok.add_argument("--type", choices=("bpe", "char", "unigram"))
    tok.add_argument("--train-sets", nargs="+")
    tok.set_defaults(func=run_tokenizer)


def run_librispeech(args) -> int:
    from sigasr.atomic import atomic_path
    from sigasr.data.feature_store import store_fbank
    from sigasr.data.librispeech import prepare_part_cuts
    from sigasr.data.manifests import cuts_path
    from sigasr.data.report import save_reports
    from sigasr.errors import CorpusError

    corpus_dir = Path(args.corpus_dir)
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
        if args.speed_perturb and part.startswith("train"):
            cuts = cuts + cuts.perturb_speed(0.9) + cuts.perturb_speed(1.1)
        if args.stop_after != "manifests" and not args.on_the_fly:
            cuts, feat_report = store_fbank(
                cuts, Path(args.feature_dir), f"librispeech_{part}", args.num_jobs
            )
            reports.append(feat_report)
        with atomic_path(cuts_path(manifest_dir, part)) as tmp:
            cuts.to_file(tmp)
    save_reports(reports, manifest_dir / "librispeech_prepare_summary.json")
    if unusable:
        raise CorpusError(f"no usable utterances, no manifest written: {'; '.join(unusable)}")
    return 0


def run_tedlium(args) -> int:
    from sigasr.data.tedlium import prepare_tedlium_buckets

    prepare_tedlium_buckets(
        Path(args.corpus_dir),
        Path(args.manifest_dir),
        None if args.on_the_fly else Path(args.feature_dir),
        args.num_jobs,
    )
    return 0


def run_long_form(args) -> int:
    from sigasr.data.long_form import prepare_long_form
    from sigasr.data.tedlium import talk_cuts
    from sigasr.errors import CorpusError

    talks, _ = talk_cuts(Path(args.corpus_dir), args.num_jobs)
    counts = prepare_long_form(talks, Path(args.manifest_dir), args.durations)
    empty = [name for name, (n, _) in counts.items() if n == 0]
    if empty:
        raise CorpusError(f"no talk is long enough for {', '.join(empty)}")
    return 0


def run_tokenizer(args) -> int:
    from sigasr.config import load_config
    from sigasr.data.tokenizer import train_tokenizer

    data = load_config(args.config).data
    token_type = args.type or data.token_type
    vocab_size = args.vocab_size or data.vocab_size
    if args.lang_dir:
        lang_dir = Path(args.lang_dir)
    elif args.type or args.vocab_size:
        lang_dir = Path(f"data/lang_{token_type}_{vocab_size}")
    else:
        lang_dir = Path(data.lang_dir)
    train_tokenizer(
        Path(args.manifest_dir or data.manifest_dir),
        list(args.train_sets or data.train_sets),
        lang_dir,
        vocab_size,
        token_type,
    )
    print(f"tokenizer: {token_type} with {vocab_size} pieces in {lang_dir}")
    return 0
