"""Random LibriSpeech-style corpora with bad items, through `sigasr prepare`, train and decode.

Each utterance gets an audio fault and a transcript fault (or none). After a command, every
input utterance must be accounted for: kept in the output, skipped and counted in the
report, or, for files that stop preparation (unreadable audio, an empty transcript), named
in the error message, with no manifest written. Anything else is counted as lost.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from sigasr.cli import main
from sigasr.data.corpora import cuts_path
from sigasr.data.manifests import read_cuts
from sigasr.decode.scoring import newest_results

PART = "dev-clean"
AUDIO_FAULTS = ("none", "odd rate", "zero bytes", "no samples", "truncated", "garbage",
                "header only", "missing", "stereo")  # fmt: skip
TEXT_FAULTS = ("none", "empty", "garbage", "non-ASCII", "no line")
UNREADABLE = {"zero bytes", "no samples", "truncated", "garbage", "header only"}
ODD_RATES = (8000, 11025, 22050, 32000, 44100, 48000, 12345)
WORDS = ("THE", "CAT", "SAT", "ON", "A", "MAT", "AND", "RAN", "AWAY", "FROM", "HOME")


@dataclass(frozen=True)
class Utterance:
    id: str
    audio: str  # one of AUDIO_FAULTS
    text: str  # one of TEXT_FAULTS

    @property
    def stops_preparation(self) -> bool:
        return self.text == "empty" or (self.text != "no line" and self.audio in UNREADABLE)


@dataclass
class Outcome:
    """What one command did with one corpus, and how many utterances were lost."""

    utterances: int = 0
    kept: int = 0
    reported: int = 0
    lost: list[str] = field(default_factory=list)
    traceback: str = ""
    stopped: bool = False


def make_corpus(root: Path, rng: random.Random, max_utterances: int = 8) -> list[Utterance]:
    """Writes ``root/dev-clean/<spk>/<chapter>/`` with random faults; returns the plan."""
    chapter = root / PART / "7" / "70"
    chapter.mkdir(parents=True)
    utts = []
    for i in range(rng.randint(1, max_utterances)):
        utt = Utterance(f"7-70-{i:04d}", _fault(AUDIO_FAULTS, rng), _fault(TEXT_FAULTS, rng))
        if utt.audio == "missing" and utt.text == "no line":
            continue
        _write_audio(chapter / f"{utt.id}.flac", utt.audio, rng)
        utts.append(utt)
    lines = [f"{u.id} {_text(u.text, rng)}".rstrip() for u in utts if u.text != "no line"]
    (chapter / "7-70.trans.txt").write_text("".join(line + "\n" for line in lines))
    return utts


def _fault(kinds: tuple[str, ...], rng: random.Random) -> str:
    """``kinds[0]`` ("none") for about 3 items in 4, so that many corpora are usable."""
    return kinds[0] if rng.random() < 0.75 else rng.choice(kinds[1:])


def _text(fault: str, rng: random.Random) -> str:
    if fault == "empty":
        return ""
    if fault == "garbage":
        return "".join(rng.choice("#$%&*+-/<=>?@^_|~0123456789") for _ in range(rng.randint(1, 12)))
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
    return words + " CAFÉ" if fault == "non-ASCII" else words


def _write_audio(path: Path, fault: str, rng: random.Random) -> None:
    if fault == "missing":
        return
    rate = rng.choice(ODD_RATES) if fault == "odd rate" else 16000
    seconds = 0.0 if fault == "no samples" else rng.uniform(0.3, 2.5)
    samples = 0.1 * np.random.default_rng(rng.randrange(2**32)).standard_normal(int(seconds * rate))
    if fault == "stereo":
        samples = np.stack([samples, samples[::-1]], axis=1)
    sf.write(path, samples.astype(np.float32), rate, format="FLAC")
    data = path.read_bytes()
    if fault == "zero bytes":
        path.write_bytes(b"")
    elif fault == "truncated":
        path.write_bytes(data[: rng.randint(len(data) // 4, 3 * len(data) // 4)])
    elif fault == "header only":
        path.write_bytes(data[:42])
    elif fault == "garbage":
        path.write_bytes(rng.randbytes(rng.randint(1, 2000)))


def run_cli(*args: str) -> tuple[int | None, str, str]:
    """``sigasr ARGS`` in this process: exit code (None after an exception), stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as e:
            code = e.code
        except Exception:
            code = None
            err.write(traceback.format_exc())
    return code, out.getvalue(), err.getvalue()


def prepare(root: Path, utts: list[Utterance]) -> Outcome:
    """``sigasr prepare librispeech`` on the corpus, and the count of what it did."""
    manifests = root / "manifests"
    code, _, err = run_cli("prepare", "librispeech", "--corpus-dir", str(root), "--parts", PART,
                           "--manifest-dir", str(manifests), "--feature-dir", str(root / "fbank"))  # fmt: skip
    outcome = Outcome(utterances=len(utts), stopped=code != 0)
    if code is None:
        outcome.traceback = err
    manifest, summary = cuts_path(manifests, PART), manifests / "librispeech_prepare_summary.json"
    if code != 0 and any(u.stops_preparation for u in utts):
        named = [u for u in utts if u.stops_preparation and u.id in err]
        outcome.reported = len(named)
        outcome.lost = [u.id for u in utts if u.stops_preparation and u not in named]
        if manifest.exists():
            outcome.lost.append("(stopped, but left a manifest)")
        return outcome
    kept = {c.id for c in read_cuts(manifest)} if manifest.exists() else set()
    reported = set()
    for report in json.loads(summary.read_text()) if summary.exists() else []:
        for ids in report["examples"].values():
            reported |= set(ids)
        if report["in"] != report["kept"] + sum(report["skipped"].values()):
            outcome.lost.append(f"(report '{report['name']}' does not add up)")
    if code != 0 and (manifest.exists() or "no usable utterances" not in err):
        outcome.lost.append(f"(stopped without naming a cause: {err.strip()[-300:]})")
    outcome.kept, outcome.reported = len(kept), len(reported - kept)
    outcome.lost += [u.id for u in utts if u.id not in kept | reported]
    return outcome


def train_and_decode(root: Path, config: Path, model_overrides: list[str]) -> Outcome:
    """Tokenizer, one training step and decoding of the prepared set; every cut accounted for.

    Training counts what its filter drops; decoding must score every cut of the manifest.
    """
    manifests, lang, exp = root / "manifests", root / "lang", root / "exp"
    cuts = read_cuts(cuts_path(manifests, PART))
    outcome = Outcome(utterances=len(cuts))
    data = [f"data.manifest_dir={manifests}", f"data.lang_dir={lang}", f"data.train_sets=[{PART}]",
            "data.dev_sets=[]", "data.max_duration=20"]  # fmt: skip
    code, _, err = run_cli("prepare", "tokenizer", "--config", str(config), "--manifest-dir",
                           str(manifests), "--lang-dir", str(lang), "--type", "char",
                           "--vocab-size", "40", "--train-sets", PART)  # fmt: skip
    if code is None:
        outcome.traceback = err
        return outcome
    code, out, err = run_cli("train", "--config", str(config), "--exp-dir", str(exp), "--device",
                             "cpu", *data, "train.max_steps=1", "train.save_every=1",
                             "data.token_type=char", "data.vocab_size=40", *model_overrides)  # fmt: skip
    if code is None:
        outcome.traceback = err
        return outcome
    table = re.search(r"train filter: in (\d+), kept (\d+), skipped (.*)", out + err)
    if table is None or int(table.group(1)) != len(cuts):
        outcome.lost.append("(training did not count every cut it read)")
    elif code != 0:
        outcome.stopped, outcome.reported = True, len(cuts)
        if "no training cuts left" not in err:
            outcome.lost.append(f"(training stopped: {err.strip()[-300:]})")
        return outcome
    code, out, err = run_cli("decode", "--exp-dir", str(exp), "--avg", "1", "--test-sets", PART)
    if code is None:
        outcome.traceback = err
        return outcome
    recogs = newest_results(exp / "decode", "recogs").get(PART)
    hyps = recogs.read_text().count("\thyp=") if code == 0 and recogs else 0
    outcome.kept = hyps
    if hyps != len(cuts):
        outcome.lost.append(f"(decoding scored {hyps} of {len(cuts)} cuts: {err.strip()[-300:]})")
    return outcome
