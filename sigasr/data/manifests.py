"""Cut manifest files: their names, and reading them with errors that name file and line."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

from lhotse import CutSet
from lhotse.serialization import deserialize_item

from sigasr.errors import ManifestError


def manifest_file(manifest_dir: str | Path, corpus: str, part: str) -> Path:
    """``manifest_dir/<corpus>_cuts_<part>.jsonl.gz``, where ``sigasr prepare <corpus>`` writes
    the cuts of ``part``; :func:`sigasr.data.corpora.cuts_path` maps set names to it."""
    return Path(manifest_dir) / f"{corpus}_cuts_{part}.jsonl.gz"


def read_cuts(
    path: Path, audio: bool = True, allow_empty: bool = False, lazy: bool = False
) -> CutSet:
    """The cuts of a gzipped JSON-lines manifest, each checked before anything uses it.

    A cut must parse, have a positive duration, supervisions with text, a recording, an id of
    its own, existing feature files, and existing audio files where ``audio`` is set (decoding
    and on-the-fly features read the audio) or the cut has no features. With ``audio=False``
    a corpus whose audio was deleted after feature extraction still trains. A manifest
    without cuts is an error unless ``allow_empty`` (a TED-LIUM bucket no segment falls in).
    Raises :class:`ManifestError` otherwise.

    With ``lazy`` the file is checked in one streaming pass and returned as a lazy
    :class:`CutSet` that reads it again on each iteration: memory holds the cut ids, not the
    cuts (LibriSpeech 960 h with speed perturbation: 843k cuts, about 2 GB when held).
    """
    cuts, seen, files = [], set(), {}
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = f"{path}:{lineno}"
                cut = _parse_cut(line, where)
                if cut.id in seen:
                    raise ManifestError(f"{where}: cut id '{cut.id}' appears twice")
                seen.add(cut.id)
                for file in input_files(cut, audio=audio or not cut.has_features):
                    files.setdefault(file, where)
                if not lazy:
                    cuts.append(cut)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
        raise ManifestError(
            f"{path}: truncated or not a gzipped JSON-lines manifest ({e})"
        ) from None
    if not seen and not allow_empty:
        raise ManifestError(f"{path}: holds no cuts")
    for file, where in files.items():
        if not Path(file).exists():
            raise ManifestError(f"{where}: refers to {file}, which does not exist")
    return CutSet.from_jsonl_lazy(path) if lazy else CutSet.from_cuts(cuts)


def _parse_cut(line: str, where: str):
    try:
        cut = deserialize_item(json.loads(line))
        problem = _cut_problem(cut)
    except Exception as e:  # lhotse raises many types for malformed entries
        problem = f"not a valid cut ({type(e).__name__}: {str(e)[:200]})"
    if problem:
        raise ManifestError(f"{where}: {problem}")
    return cut


def _cut_problem(cut) -> str | None:
    if not hasattr(cut, "supervisions"):
        return f"a {type(cut).__name__}, not a cut"
    if not cut.duration > 0:
        return f"cut '{cut.id}' has duration {cut.duration}"
    if not cut.supervisions or not all(isinstance(s.text, str) for s in cut.supervisions):
        return f"cut '{cut.id}' has no supervision text"
    if not cut.has_recording:
        return f"cut '{cut.id}' has no recording"
    return None


def input_files(cut, features: bool = True, audio: bool = True) -> list[str]:
    """The feature archive and/or audio files ``cut`` reads (of every track of a mixed cut)."""
    if hasattr(cut, "tracks"):
        return [f for track in cut.tracks for f in input_files(track.cut, features, audio)]
    files = [cut.features.storage_path] if features and cut.has_features else []
    if audio and cut.has_recording:
        files += [s.source for s in cut.recording.sources if s.type == "file"]
    return files
