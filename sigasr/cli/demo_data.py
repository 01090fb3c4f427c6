"""`sigasr demo-data`: synthesize the embedded demo corpus in LibriSpeech and TED-LIUM v3 layouts."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo-data",
        help="Synthesize the embedded demo corpus in LibriSpeech and TED-LIUM v3 layouts.",
        description="Writes OUT/LibriSpeech (five parts, 16 kHz FLAC, upper-case transcripts) "
        "and OUT/TEDLIUM_release-3/legacy/{dev,test} (talk-level .sph + .stm) with eSpeak NG.",
    )
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--hours", type=float, default=3.0, help="hours of training speech")
    p.add_argument("--eval-minutes", type=float, default=4.5, help="minutes per dev/test part")
    p.add_argument(
        "--talk-rounds",
        type=int,
        default=1,
        help="TED talk length in rounds of four segments (~86 s each); 4 or more for 300 s",
    )
    p.add_argument("--num-jobs", type=int, default=2, help="synthesis processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--vocab-size", type=int, default=500, help="distinct words (most frequent first)"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from sigasr.data.demo.corpus import write_demo_corpus

    stats = write_demo_corpus(
        args.out,
        args.hours,
        args.seed,
        args.vocab_size,
        eval_minutes=args.eval_minutes,
        talk_rounds=args.talk_rounds,
        num_jobs=args.num_jobs,
    )
    print(
        f"demo-data: {stats['audio_seconds'] / 3600:.2f} h of audio in "
        f"{stats['wall_seconds']:.1f} s ({stats['x_real_time']:.0f}x real time) under {args.out}"
    )
    return 0
