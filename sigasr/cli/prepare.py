"""`sigasr prepare`: each corpus of :data:`sigasr.data.corpora.CORPORA`, long-form TED-LIUM
sets, SentencePiece tokens, word n-gram LMs."""

from __future__ import annotations

import sys
from pathlib import Path

from sigasr.cli import prepare_lm


def register(subparsers) -> None:
    from sigasr.data.corpora import CORPORA

    p = subparsers.add_parser(
        "prepare",
        help="Prepare a corpus (its manifests and features), long-form TED-LIUM sets, the "
        "tokenizer or a word n-gram LM.",
    )
    sub = p.add_subparsers(dest="corpus", metavar="WHAT", required=True)

    for corpus in CORPORA.values():
        parser = sub.add_parser(corpus.name, help=corpus.summary)
        corpus.add_arguments(parser)
        parser.set_defaults(func=corpus.prepare)

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
    tok.add_argument("--overrides", nargs="*", default=[], metavar="KEY=VALUE", help="for --config")
    tok.set_defaults(func=run_tokenizer)

    prepare_lm.register(sub)


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
    from sigasr.data.tokenizer import train_tokenizer, word_level_warning

    data = load_config(args.config, args.overrides).data
    token_type = args.type or data.token_type
    vocab_size = args.vocab_size or data.vocab_size
    if args.lang_dir:
        lang_dir = Path(args.lang_dir)
    elif args.type or args.vocab_size:
        lang_dir = Path(f"data/lang_{token_type}_{vocab_size}")
    else:
        lang_dir = Path(data.lang_dir)
    tokenizer = train_tokenizer(
        Path(args.manifest_dir or data.manifest_dir),
        list(args.train_sets or data.train_sets),
        lang_dir,
        vocab_size,
        token_type,
    )
    pieces = tokenizer.vocab_size - 1
    asked = "" if pieces == vocab_size else f" (asked for {vocab_size}: the text has no more)"
    print(
        f"tokenizer: {token_type} with {pieces} pieces{asked} and the CTC blank, "
        f"{tokenizer.vocab_size} tokens, in {lang_dir}"
    )
    warning = word_level_warning(lang_dir / "transcripts.txt", pieces, token_type)
    if warning:
        print(warning, file=sys.stderr)
    return 0
