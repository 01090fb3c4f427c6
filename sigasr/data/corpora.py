"""The corpus table: each corpus names its sets and owns its download and prepare steps.

``sigasr prepare <name>`` is made from each row: ``add_arguments`` declares its options and
``prepare`` runs it (downloading first where the corpus can and is asked to). A corpus's set
names are ``<set_prefix><part>`` and its manifests ``<name>_cuts_<part>.jsonl.gz``, so configs
and ``sigasr decode --test-sets`` name sets without knowing which corpus holds them.

To add a corpus: a module with ``add_prepare_arguments(parser)`` and ``prepare_command(args)``
that writes :func:`sigasr.data.manifests.manifest_file` manifests, and one row here.
"""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lhotse import CutSet

from sigasr.data import librispeech, musan, tedlium
from sigasr.data.demo import corpus as demo
from sigasr.data.manifests import manifest_file, read_cuts
from sigasr.errors import ManifestError


@dataclass(frozen=True)
class Corpus:
    """One row of the table.

    Attributes:
        name: ``sigasr prepare <name>``, and the prefix of its manifest files.
        summary: one line for ``sigasr prepare --help``.
        set_prefix: set ``<set_prefix><part>`` is the manifest of ``part``; ``None`` for a
            corpus with no sets to train or decode on: one that writes other corpora's layouts
            and has no manifests of its own, or one without transcripts (noise).
        add_arguments: adds the options of ``sigasr prepare <name>`` to a parser.
        prepare: runs ``sigasr prepare <name>`` on the parsed options; returns the exit code.
    """

    name: str
    summary: str
    set_prefix: str | None
    add_arguments: Callable[[ArgumentParser], None]
    prepare: Callable[[Namespace], int]


CORPORA: dict[str, Corpus] = {
    c.name: c
    for c in (
        Corpus(
            librispeech.CORPUS,
            "LibriSpeech parts: download, validated cuts, 80-dim fbank",
            "",
            librispeech.add_prepare_arguments,
            librispeech.prepare_command,
        ),
        Corpus(
            tedlium.CORPUS,
            "TED-LIUM v3 dev+test cuts in four length buckets",
            tedlium.SET_PREFIX,
            tedlium.add_prepare_arguments,
            tedlium.prepare_command,
        ),
        Corpus(
            musan.CORPUS,
            "MUSAN noise, music and babble in 10 s cuts with fbank, for data.noise",
            None,
            musan.add_prepare_arguments,
            musan.prepare_command,
        ),
        Corpus(
            demo.CORPUS,
            "synthesize the demo corpus in LibriSpeech, TED-LIUM v3 and MUSAN layouts",
            None,
            demo.add_prepare_arguments,
            demo.prepare_command,
        ),
    )
}


def corpus_of(set_name: str) -> tuple[Corpus, str]:
    """The corpus holding ``set_name`` (the longest matching set prefix) and its part."""
    owners = [c for c in CORPORA.values() if c.set_prefix is not None]
    owner = max(
        (c for c in owners if set_name.startswith(c.set_prefix)), key=lambda c: len(c.set_prefix)
    )
    return owner, set_name.removeprefix(owner.set_prefix)


def cuts_path(manifest_dir: str | Path, set_name: str) -> Path:
    """The manifest of ``set_name``: ``train-clean-100`` →
    ``librispeech_cuts_train-clean-100.jsonl.gz``, ``tedlium-30s+`` → ``tedlium_cuts_30s+...``."""
    corpus, part = corpus_of(set_name)
    return manifest_file(manifest_dir, corpus.name, part)


def load_set(
    manifest_dir: str | Path,
    set_name: str,
    audio: bool = True,
    allow_empty: bool = False,
    lazy: bool = False,
) -> CutSet:
    """The checked cuts of ``set_name`` (see :func:`sigasr.data.manifests.read_cuts`)."""
    path = cuts_path(manifest_dir, set_name)
    if not path.is_file():
        raise ManifestError(f"{path}: no manifest for set '{set_name}' (run `sigasr prepare`)")
    return read_cuts(path, audio, allow_empty, lazy)
