"""`sigasr prepare librispeech-lm` and `sigasr prepare ngram`: the word n-gram LMs of
beam+LM decoding.

- ``librispeech-lm`` downloads the official LibriSpeech ARPA models (OpenSLR resource 11)
  and unpacks them to ``<lm-dir>/<name>.arpa``; ``--binary`` also writes KenLM's binary
  format (``<name>.bin``, loads in seconds; needs ``build_binary``).
- ``ngram`` estimates a modified Kneser-Ney n-gram of the training transcripts
  (``data.train_sets``) with KenLM's ``lmplz`` and writes it as ARPA.
"""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    from sigasr.lm.librispeech_lm import LIBRISPEECH_LMS, OPENSLR_MIRROR

    dl = sub.add_parser(
        "librispeech-lm",
        help="download the LibriSpeech word n-gram LMs (OpenSLR 11) as ARPA",
        description="Models: " + "; ".join(f"{k}: {v}" for k, v in LIBRISPEECH_LMS.items()),
    )
    dl.add_argument("--lm-dir", default="data/lm")
    dl.add_argument(
        "--models", nargs="+", default=["3-gram.pruned.1e-7"], choices=list(LIBRISPEECH_LMS)
    )
    dl.add_argument(
        "--mirror", default=OPENSLR_MIRROR, help="base URL that serves 11/<model>.arpa.gz"
    )
    dl.add_argument("--binary", action="store_true", help="also write KenLM binary <model>.bin")
    dl.add_argument("--keep-gz", action="store_true", help="keep the downloaded .arpa.gz")
    dl.set_defaults(func=run_librispeech_lm)

    ng = sub.add_parser(
        "ngram", help="estimate a word n-gram LM of the training transcripts with KenLM lmplz"
    )
    ng.add_argument("--config", help="experiment YAML; its data section gives the defaults")
    ng.add_argument("--manifest-dir")
    ng.add_argument("--train-sets", nargs="+")
    ng.add_argument("--order", type=int, default=3)
    ng.add_argument("--overrides", nargs="*", default=[], metavar="KEY=VALUE", help="for --config")
    ng.add_argument("--out", help="the ARPA file to write (default: the config's decode.lm)")
    ng.add_argument("--memory", default="1G", help="lmplz's sorting memory (-S)")
    ng.set_defaults(func=run_ngram)


def run_librispeech_lm(args) -> int:
    from sigasr.lm.kenlm_programs import build_binary
    from sigasr.lm.librispeech_lm import prepare_librispeech_lms

    arpas = prepare_librispeech_lms(Path(args.lm_dir), args.models, args.mirror, args.keep_gz)
    for arpa in arpas:
        print(f"LM: {arpa}")
        if args.binary:
            print(f"LM: {build_binary(arpa, arpa.with_suffix('.bin'))}")
    return 0


def run_ngram(args) -> int:
    import tempfile

    from sigasr.config import load_config
    from sigasr.data.transcripts import write_transcripts
    from sigasr.errors import LMError
    from sigasr.lm.arpa import ngram_counts
    from sigasr.lm.kenlm_programs import estimate_arpa

    cfg = load_config(args.config, args.overrides)
    data = cfg.data
    sets = list(args.train_sets or data.train_sets)
    if not (args.out or cfg.decode.lm):
        raise LMError("no file to write: give --out or set 'decode.lm' in the config")
    out = Path(args.out or cfg.decode.lm)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        text = Path(tmp) / "text.txt"
        lines = write_transcripts(args.manifest_dir or data.manifest_dir, sets, text)
        if lines == 0:
            raise LMError(f"no transcript text in {', '.join(sets)}")
        estimate_arpa(text, out, args.order, args.memory)
    counts = ngram_counts(out)
    shown = ", ".join(f"{n}-grams {c}" for n, c in sorted(counts.items()))
    print(f"LM: {out}: order {args.order} from {lines} transcripts of {', '.join(sets)} ({shown})")
    return 0
