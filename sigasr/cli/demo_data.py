"""`sigasr demo-data`: the same command as `sigasr prepare demo` (the demo corpus's row)."""

from __future__ import annotations


def register(subparsers) -> None:
    from sigasr.data.corpora import CORPORA

    demo = CORPORA["demo"]
    p = subparsers.add_parser(
        "demo-data",
        help="Synthesize the embedded demo corpus in LibriSpeech, TED-LIUM v3 and MUSAN layouts.",
        description="Writes OUT/LibriSpeech (five parts, 16 kHz FLAC, upper-case transcripts), "
        "OUT/TEDLIUM_release-3/legacy/{dev,test} (talk-level .sph + .stm) with eSpeak NG, and "
        "OUT/musan/{noise,music} (synthetic coloured noise and chords) for noise mixing.",
    )
    demo.add_arguments(p)
    p.set_defaults(func=demo.prepare)
