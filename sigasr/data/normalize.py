"""Transcript normalization shared by LibriSpeech and TED-LIUM: upper-case words, kaldi style."""

from __future__ import annotations

import re

_NON_WORD = re.compile(r"[^A-Z' ]+")


def normalize_text(text: str) -> str:
    """Upper-case LibriSpeech-style text from a LibriSpeech or TED-LIUM transcript.

    TED-LIUM's split contractions are joined (``it 's`` → ``IT'S``), ``<unk>`` and noise
    markers like ``[NOISE]`` are removed (a LibriSpeech model cannot emit them, so a kept
    ``<unk>`` would count as an error against the model whatever it says), other punctuation
    becomes a space.
    """
    text = re.sub(r"<[^>]*>|\[[^\]]*\]|\{[^}]*\}", " ", text)
    text = re.sub(r" '", "'", text.upper())
    return " ".join(_NON_WORD.sub(" ", text).split())
