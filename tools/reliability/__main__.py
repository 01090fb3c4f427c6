"""``python -m tools.reliability``: the fault-injection campaign behind docs/reliability.md.

The random generator is seeded from the clock unless ``--seed`` is given, so each campaign
kills and damages at moments and in files that no test chose. Prints a table of the figures,
writes them as JSON and exits non-zero if anything was lost or a resume was not exact.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from sigasr.data.corpora import cuts_path
from tools.reliability import corpus_faults, kills, manifest_faults
from tools.tiny_corpus import DEMO_CONFIG, TINY_MODEL, tiny_corpus


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tools.reliability", description=__doc__)
    p.add_argument("--kill-runs", type=int, default=6, help="experiments killed and resumed")
    p.add_argument("--corpora", type=int, default=100, help="fuzzed corpora to prepare")
    p.add_argument("--train-corpora", type=int, default=10, help="... also trained and decoded")
    p.add_argument("--manifests", type=int, default=30, help="damaged manifests")
    p.add_argument("--seed", type=int, help="default: from the clock")
    p.add_argument("--work", type=Path, help="scratch directory (default: a new temporary one)")
    p.add_argument("--json", type=Path, default=Path("docs/reliability.json"), help="figures out")
    return p.parse_args()


def kill_campaign(root: Path, work: Path, runs: int, rng: random.Random) -> dict:
    ref = kills.reference_run(root, work)
    figures = kills.KillFigures()
    for i in range(runs):
        kills.run_trial(root, work / f"killed-{i}", ref, rng, figures)
        print(f"kills: run {i + 1}/{runs}: {figures}", flush=True)
    return {**asdict(figures), "reference_seconds": round(ref.seconds, 1)}


def corpus_campaign(work: Path, n: int, n_train: int, rng: random.Random) -> dict:
    prepared, trained = corpus_faults.Outcome(), corpus_faults.Outcome()
    audio, text = Counter(), Counter()
    stopped = trained_runs = 0
    for i in range(n):
        root = work / f"corpus-{i}"
        utts = corpus_faults.make_corpus(root, rng)
        audio.update(u.audio for u in utts)
        text.update(u.text for u in utts)
        outcome = corpus_faults.prepare(root, utts)
        _add(prepared, outcome, f"corpus-{i}")
        stopped += outcome.stopped
        if not outcome.stopped and outcome.kept and trained_runs < n_train:
            trained_runs += 1
            _add(trained, corpus_faults.train_and_decode(root, DEMO_CONFIG, TINY_MODEL), root)
        if (i + 1) % 25 == 0:
            print(f"corpora: {i + 1}/{n}, lost so far {len(prepared.lost)}", flush=True)
    return {
        "corpora": n,
        "utterances": prepared.utterances,
        "kept": prepared.kept,
        "reported": prepared.reported,
        "stopped_naming_files": stopped,
        "lost": prepared.lost,
        "tracebacks": prepared.traceback,
        "audio_faults": dict(audio),
        "transcript_faults": dict(text),
        "trained_and_decoded": {
            "corpora": trained_runs,
            "cuts": trained.utterances,
            "decoded": trained.kept,
            "stopped_naming_files": trained.reported,
            "lost": trained.lost,
            "tracebacks": trained.traceback,
        },
    }


def _add(total: corpus_faults.Outcome, outcome: corpus_faults.Outcome, where) -> None:
    total.utterances += outcome.utterances
    total.kept += outcome.kept
    total.reported += outcome.reported
    total.lost += [f"{where}: {x}" for x in outcome.lost]
    if outcome.traceback:
        total.traceback += f"{where}:\n{outcome.traceback}\n"


def manifest_campaign(root: Path, work: Path, n: int, rng: random.Random) -> dict:
    good = cuts_path(root / "data/manifests", "dev-clean")
    faults, lost, tracebacks = Counter(), [], ""
    cuts = decoded = stopped = 0
    for i in range(n):
        o = manifest_faults.try_manifest(
            good, "dev-clean", work / "reference", work / f"m-{i}", rng
        )
        faults[o.fault] += 1
        cuts, decoded, stopped = cuts + o.cuts, decoded + o.decoded, stopped + o.stopped_clearly
        lost += [f"m-{i} ({o.fault}): {x}" for x in o.lost]
        tracebacks += o.traceback
    return {"manifests": n, "commands": 2 * n, "faults": dict(faults), "valid_cuts_left": cuts,
            "decoded": decoded, "stopped_naming_the_manifest": stopped, "lost": lost,
            "tracebacks": tracebacks}  # fmt: skip


def table(f: dict) -> str:
    k, c, m = f["kills"], f["corpora"], f["manifests"]
    t = c["trained_and_decoded"]
    rows = [
        ("SIGKILLs (mid checkpoint write)", f"{k['kills']} ({k['kills_mid_write']})"),
        ("newest checkpoint damaged / set aside", f"{k['damaged']} / {k['damaged_set_aside']}"),
        ("restarts resuming from the right checkpoint", f"{k['resumes_correct']}/{k['resumes']}"),
        ("killed runs bitwise equal / finished", f"{k['bitwise_equal']}/{k['finished']} of {k['runs']}"),
        ("... every step once, same loss", f"{k['steps_exact']}/{k['runs']}"),
        ("fuzzed corpora / utterances", f"{c['corpora']} / {c['utterances']}"),
        ("utterances kept / reported", f"{c['kept']} / {c['reported']}"),
        ("corpora stopped naming the bad files", f"{c['stopped_naming_files']}"),
        ("odd audio files / bad transcript lines",
         f"{sum(v for a, v in c['audio_faults'].items() if a != 'none')} / "
         f"{sum(v for a, v in c['transcript_faults'].items() if a != 'none')}"),
        ("corpora trained + decoded: cuts / decoded", f"{t['corpora']}: {t['cuts']} / {t['decoded']}"),
        ("damaged manifests / commands run", f"{m['manifests']} / {m['commands']}"),
        ("... stopped naming the manifest", f"{m['stopped_naming_the_manifest']}"),
        ("... valid cuts left / decoded", f"{m['valid_cuts_left']} / {m['decoded']}"),
        ("items lost", f"{len(c['lost']) + len(t['lost']) + len(m['lost'])}"),
        ("uninformative tracebacks",
         f"{sum(bool(x['tracebacks']) for x in (c, t, m))}"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    lines = [f"| {'figure':<{width}} | {'value':>16} |", f"|{'-' * (width + 2)}|{'-' * 17}:|"]
    return "\n".join(lines + [f"| {name:<{width}} | {value:>16} |" for name, value in rows])


def main() -> int:
    args = parse_args()
    seed = args.seed if args.seed is not None else time.time_ns() % 2**32
    rng = random.Random(seed)
    work = args.work or Path(tempfile.mkdtemp(prefix="sigasr-reliability-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"seed {seed}, work {work}", flush=True)
    root = tiny_corpus(work)
    figures = {"seed": seed, "date": time.strftime("%Y-%m-%d")}
    figures["kills"] = kill_campaign(root, work, args.kill_runs, rng)
    figures["corpora"] = corpus_campaign(work, args.corpora, args.train_corpora, rng)
    figures["manifests"] = manifest_campaign(root, work, args.manifests, rng)
    figures["minutes"] = round((time.monotonic() - started) / 60, 1)
    args.json.write_text(json.dumps(figures, indent=1) + "\n")
    print(table(figures))
    k = figures["kills"]
    lost = [*figures["corpora"]["lost"], *figures["corpora"]["trained_and_decoded"]["lost"],
            *figures["manifests"]["lost"]]  # fmt: skip
    for item in lost:
        print(f"LOST: {item}")
    exact = k["bitwise_equal"] == k["steps_exact"] == k["runs"] == k["finished"]
    resumed = k["resumes_correct"] == k["resumes"] and k["damaged_set_aside"] == k["damaged"]
    c, m = figures["corpora"], figures["manifests"]
    clear = not any(x["tracebacks"] for x in (c, c["trained_and_decoded"], m))
    return 0 if exact and resumed and clear and not lost else 1


if __name__ == "__main__":
    raise SystemExit(main())
