"""What to transcribe: audio files, folders of them (recursively) and lhotse manifests.

Each input becomes one :class:`AudioSource`. A folder contributes every file below it whose
extension is a format soundfile reads; an explicitly named file is taken whatever its name.
A lhotse manifest (``*.jsonl.gz``, ``*.jsonl``, ``*.json``) contributes each cut or
recording. An input that cannot be used (missing, a folder without audio, a manifest that
does not parse) is returned as a :class:`Problem` instead, so the run goes on without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import soundfile as sf
import torch
from torch import Tensor

from sigasr.transcribe.audio import AudioError, load_audio

MANIFEST_SUFFIXES = (".jsonl.gz", ".jsonl", ".json", ".json.gz")
EXTRA_AUDIO_SUFFIXES = {"aif", "aifc", "oga", "opus", "sph", "snd", "mat", "sf", "8svx"}


def audio_suffixes() -> set[str]:
    """Lower-case file extensions (without the dot) of the formats soundfile reads."""
    return {name.lower() for name in sf.available_formats()} | EXTRA_AUDIO_SUFFIXES


@dataclass(frozen=True)
class AudioSource:
    """One recording to transcribe.

    Attributes:
        name: how reports and outputs name it: the file path, or the cut or recording id.
        stem: a relative name without extension, for its output file in an output folder.
        duration: seconds, or None when the header cannot be read (loading will say why).
        path: the audio file, for file inputs.
        manifest_item: the lhotse cut or recording, for manifest inputs.
    """

    name: str
    stem: str
    duration: float | None
    path: Path | None = None
    manifest_item: object = None

    def load(self) -> tuple[Tensor, int]:
        """The samples (S,) float32, channels averaged, and the sample rate.

        Raises :class:`AudioError` naming the source when the audio cannot be read.
        """
        if self.path is not None:
            return load_audio(self.path)
        try:
            samples = self.manifest_item.load_audio()
        except Exception as e:  # lhotse raises several types for missing or damaged audio
            raise AudioError(f"{self.name}: cannot read audio ({e})") from None
        rate = self.manifest_item.sampling_rate
        if samples.shape[-1] == 0:
            raise AudioError(f"{self.name}: the audio holds no samples")
        return torch.from_numpy(samples).float().reshape(-1, samples.shape[-1]).mean(0), rate


@dataclass(frozen=True)
class Problem:
    """An input, or a file of one, that cannot be transcribed, with the reason."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


def collect_sources(inputs: list[str]) -> tuple[list[AudioSource], list[Problem]]:
    """The sources of every input in order (each file once), and the inputs that failed."""
    sources: list[AudioSource] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found = _folder_sources(path)
            if not found:
                problems.append(Problem(raw, "a folder with no audio files in it"))
        elif path.is_file() and raw.lower().endswith(MANIFEST_SUFFIXES):
            found, problem = _manifest_sources(path)
            if problem:
                problems.append(problem)
        elif path.is_file():
            found = [_file_source(path, path.with_suffix("").name)]
        else:
            problems.append(Problem(raw, "no such file or folder"))
            continue
        for source in found:
            key = str(source.path.resolve()) if source.path else f"{raw}#{source.name}"
            if key not in seen:
                seen.add(key)
                sources.append(source)
    return _unique_stems(sources), problems


def _file_source(path: Path, stem: str) -> AudioSource:
    try:
        duration = sf.info(str(path)).duration
    except Exception:  # unreadable header: load() reports the reason
        duration = None
    return AudioSource(str(path), stem, duration, path=path)


def _folder_sources(folder: Path) -> list[AudioSource]:
    suffixes = audio_suffixes()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix[1:].lower() in suffixes)
    return [_file_source(p, str(p.relative_to(folder).with_suffix(""))) for p in files]


def _manifest_sources(path: Path) -> tuple[list[AudioSource], Problem | None]:
    from lhotse import CutSet, RecordingSet, load_manifest

    from sigasr.data.audio_backend import use_libsndfile

    use_libsndfile()
    try:
        manifest = load_manifest(path)
    except Exception as e:  # lhotse raises several types for manifests that do not parse
        return [], Problem(str(path), f"not a readable lhotse manifest ({e})")
    if not isinstance(manifest, CutSet | RecordingSet):
        kind = type(manifest).__name__
        return [], Problem(str(path), f"a {kind} has no audio; give cuts or recordings")
    sources = [
        AudioSource(item.id, item.id, item.duration, manifest_item=item) for item in manifest
    ]
    if not sources:
        return [], Problem(str(path), "an empty manifest")
    return sources, None


def _unique_stems(sources: list[AudioSource]) -> list[AudioSource]:
    """Keeps the extension in the stem of sources whose stems would collide (a.wav, a.flac)."""
    counts: dict[str, int] = {}
    for s in sources:
        counts[s.stem] = counts.get(s.stem, 0) + 1
    out = []
    for s in sources:
        if counts[s.stem] > 1 and s.path is not None:
            s = AudioSource(s.name, s.stem + s.path.suffix, s.duration, s.path, s.manifest_item)
        out.append(s)
    return out
