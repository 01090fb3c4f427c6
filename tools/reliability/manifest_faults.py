"""Damaged cut manifests through `sigasr train` and `sigasr decode`.

A damaged manifest must either still hold valid cuts, all of which decoding scores, or stop
the command with a message naming the manifest (and line), a non-zero exit and no result
files for that set.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from omegaconf import OmegaConf

from sigasr.data.corpora import cuts_path
from sigasr.data.manifests import ManifestError, read_cuts
from sigasr.decode.scoring import newest_results
from tools.reliability.corpus_faults import run_cli
from tools.reliability.damage import damage_file

LINE_FAULTS = ("drop a key", "garbage line", "duplicate line", "negative duration",
               "missing feature file", "no supervisions", "no cuts", "not gzipped", "bytes")  # fmt: skip


@dataclass
class ManifestOutcome:
    fault: str
    cuts: int  # valid cuts left in the damaged manifest (0 when it is unusable)
    decoded: int  # cuts decoding scored
    stopped_clearly: int  # commands that stopped naming the manifest, exit non-zero
    lost: list[str]
    traceback: str = ""


def damage_manifest(path: Path, rng: random.Random) -> str:
    """Damages a ``.jsonl.gz`` manifest in place in one of :data:`LINE_FAULTS`; returns it."""
    fault = rng.choice(LINE_FAULTS)
    if fault == "bytes":
        return f"bytes: {damage_file(path, rng)}"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    i = rng.randrange(len(lines))
    cut = json.loads(lines[i])
    if fault == "drop a key":
        del cut[rng.choice(sorted(cut))]
        lines[i] = json.dumps(cut)
    elif fault == "garbage line":
        lines[i] = "".join(rng.choice('{}[]":,abc01') for _ in range(rng.randint(1, 80)))
    elif fault == "duplicate line":
        lines.insert(i, lines[i])
    elif fault == "negative duration":
        cut["duration"] = -abs(cut["duration"])
        lines[i] = json.dumps(cut)
    elif fault == "missing feature file":
        cut["features"]["storage_path"] += ".gone"
        lines[i] = json.dumps(cut)
    elif fault == "no supervisions":
        cut["supervisions"] = []
        lines[i] = json.dumps(cut)
    elif fault == "no cuts":
        lines = []
    text = "".join(line + "\n" for line in lines).encode()
    path.write_bytes(text if fault == "not gzipped" else gzip.compress(text))
    return fault


def try_manifest(
    good: Path, set_name: str, exp_dir: Path, trial: Path, rng: random.Random
) -> ManifestOutcome:
    """Damages a copy of manifest ``good`` (of ``set_name``); trains and decodes with it.

    ``exp_dir`` is a trained experiment: its config and checkpoints are reused.
    """
    manifests = trial / "manifests"
    manifests.mkdir(parents=True)
    damaged = cuts_path(manifests, set_name)
    shutil.copyfile(good, damaged)
    fault = damage_manifest(damaged, rng)
    try:
        cuts = len(read_cuts(damaged))
    except ManifestError:
        cuts = 0
    outcome = ManifestOutcome(fault, cuts, 0, 0, [])
    cfg = OmegaConf.load(exp_dir / "config.yaml")
    cfg.data.manifest_dir = str(manifests)
    cfg.data.train_sets, cfg.data.dev_sets = [set_name], []
    decode_exp = trial / "exp"
    decode_exp.mkdir()
    OmegaConf.save(cfg, decode_exp / "config.yaml")
    (decode_exp / "checkpoints").symlink_to((exp_dir / "checkpoints").resolve())
    runs = {
        "decode": ("decode", "--exp-dir", str(decode_exp), "--avg", "1", "--test-sets", set_name),
        "train": ("train", "--config", str(decode_exp / "config.yaml"), "--exp-dir",
                  str(trial / "exp-train"), "--device", "cpu", "train.max_steps=1"),
    }  # fmt: skip
    for name, args in runs.items():
        code, _, err = run_cli(*args)
        if code is None:
            outcome.traceback = err
            outcome.lost.append(f"{name}: traceback")
        elif code != 0:
            if str(damaged) in err and (cuts == 0 or name == "train"):
                outcome.stopped_clearly += 1
            else:
                outcome.lost.append(f"{name}: exit {code}: {err.strip()[-300:]}")
    recogs = newest_results(decode_exp / "decode", "recogs").get(set_name)
    outcome.decoded = recogs.read_text().count("\thyp=") if recogs else 0
    if outcome.decoded != cuts:
        outcome.lost.append(f"decode scored {outcome.decoded} of {cuts} valid cuts")
    return outcome
