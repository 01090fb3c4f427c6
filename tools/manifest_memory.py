"""Host memory of the training data path on a LibriSpeech-960h-sized cut manifest.

    python tools/manifest_memory.py [--cuts 281241] [--copies 3] [--batches 200]
                                    [--workers 2] [--work-dir DIR]

Writes a synthetic manifest shaped like ``sigasr prepare librispeech`` with speed perturbation
(``--cuts`` cuts of 12.3 s on average with ~34-word transcripts, each at 1.0x, 0.9x and 1.1x
speed, every cut with stored-fbank metadata), then, for each way of reading it, a fresh
process that reads and checks it (:func:`sigasr.data.manifests.read_cuts`), builds the
training sampler (lhotse's ``DynamicBucketingSampler``, 30 buckets, 200 s batches, shuffled)
and a ``DataLoader`` with ``--workers`` workers, and draws ``--batches`` batches. The workers
return only the batch's cut count: no feature arrays are read, so what is measured is the
manifest and the sampler. Memory is read from ``/proc``: peak RSS of the main process (one
rank), and RSS, PSS and USS (private pages) of it and each worker after the batches.

- ``eager``: every cut held in a ``CutSet`` (what training did before).
- ``lazy``: the manifest checked in one streaming pass and streamed by the sampler
  (what ``sigasr train`` does).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

WORDS = "the of and to a in that he was it his i with as had for you her not but at be".split()
SPEEDS = (1.0, 0.9, 1.1)


def synthesize(path: Path, num_cuts: int, copies: int, feature_file: Path) -> None:
    """``num_cuts`` x ``copies`` cuts with stored-feature metadata pointing at ``feature_file``."""
    rng = random.Random(0)
    with gzip.open(path, "wt", compresslevel=1) as f:
        for speed in SPEEDS[:copies]:
            rng.seed(0)
            suffix = "" if speed == 1.0 else f"_sp{speed}"
            for i in range(num_cuts):
                duration = round(min(max(rng.gauss(12.3, 3.5), 1.5), 35.0) / speed, 6)
                text = " ".join(rng.choice(WORDS) for _ in range(int(duration * 2.8))).upper()
                rid = f"{1000 + i // 5000}-{i // 100 % 50:06d}-{i % 100:04d}{suffix}"
                recording = {
                    "id": rid,
                    "sources": [{"type": "file", "channels": [0], "source": f"/LS/{rid}.flac"}],
                    "sampling_rate": 16000,
                    "num_samples": int(duration * 16000),
                    "duration": duration,
                    "channel_ids": [0],
                }
                if speed != 1.0:
                    recording["transforms"] = [{"name": "Speed", "kwargs": {"factor": speed}}]
                cut = {
                    "id": rid,
                    "start": 0.0,
                    "duration": duration,
                    "channel": 0,
                    "supervisions": [
                        {
                            "id": rid,
                            "recording_id": rid,
                            "start": 0.0,
                            "duration": duration,
                            "channel": 0,
                            "text": text,
                            "language": "English",
                            "speaker": rid.split("-")[0],
                        }
                    ],
                    "features": {
                        "type": "kaldi-fbank",
                        "num_frames": int(duration * 100),
                        "num_features": 80,
                        "frame_shift": 0.01,
                        "sampling_rate": 16000,
                        "start": 0.0,
                        "duration": duration,
                        "storage_type": "lilcom_chunky",
                        "storage_path": str(feature_file),
                        "storage_key": f"{i * 40000},{i * 40000 + 39000}",
                        "channels": 0,
                    },
                    "recording": recording,
                    "type": "MonoCut",
                }
                f.write(json.dumps(cut) + "\n")


def _proc_kib(pid: int, file: str, keys: tuple[str, ...]) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in keys:
            values[name] = int(rest.split()[0])
    return values


def _memory(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of ``pid`` in MB."""
    keys = ("Rss", "Pss", "Private_Clean", "Private_Dirty")
    m = _proc_kib(pid, "smaps_rollup", keys)
    uss = m["Private_Clean"] + m["Private_Dirty"]
    return {"rss": m["Rss"] / 1024, "pss": m["Pss"] / 1024, "uss": uss / 1024}


class _CountCuts:
    """A dataset that returns the number of cuts of a batch (no arrays are read)."""

    def __getitem__(self, cuts) -> int:
        return len(cuts)


def measure(manifest: Path, mode: str, batches: int, workers: int) -> dict:
    """One process's figures for ``mode``; run in a fresh process (``--measure``)."""
    from lhotse.dataset import DynamicBucketingSampler
    from torch.utils.data import DataLoader

    from sigasr.data.manifests import read_cuts

    start = time.perf_counter()
    cuts = read_cuts(manifest, audio=False, lazy=mode == "lazy")
    read_s = time.perf_counter() - start
    sampler = DynamicBucketingSampler(cuts, max_duration=200.0, num_buckets=30, shuffle=True)
    loader = DataLoader(
        _CountCuts(), sampler=sampler, batch_size=None, num_workers=workers, persistent_workers=True
    )
    drawn = 0
    it = iter(loader)
    for _, n in zip(range(batches), it, strict=False):
        drawn += n
    main = _memory(os.getpid())
    children = [_memory(w.pid) for w in it._workers] if workers else []
    peak = _proc_kib(os.getpid(), "status", ("VmHWM",))["VmHWM"] / 1024
    del it, loader
    return {
        "mode": mode,
        "read_s": read_s,
        "cuts_drawn": drawn,
        "main_peak_rss": peak,
        "main": main,
        "workers": children,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuts", type=int, default=281241, help="cuts per speed (960 h: 281241)")
    parser.add_argument("--copies", type=int, default=3, choices=(1, 2, 3))
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work-dir", type=Path, default=Path("manifest-memory"))
    parser.add_argument("--measure", choices=("eager", "lazy"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    manifest = args.work_dir / f"cuts_{args.cuts}x{args.copies}.jsonl.gz"
    if args.measure:
        result = measure(manifest, args.measure, args.batches, args.workers)
        print(json.dumps(result))
        return 0
    args.work_dir.mkdir(parents=True, exist_ok=True)
    feature_file = args.work_dir / "feats.lca"
    feature_file.touch()
    if not manifest.is_file():
        print(f"writing {manifest} ({args.cuts} x {args.copies} cuts)", flush=True)
        synthesize(manifest.with_suffix(".tmp"), args.cuts, args.copies, feature_file)
        manifest.with_suffix(".tmp").rename(manifest)
    rows = []
    for mode in ("eager", "lazy"):
        print(f"measuring {mode} ...", flush=True)
        out = subprocess.run(
            [sys.executable, __file__, *sys.argv[1:], "--measure", mode],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print(
        f"\n{args.cuts} x {args.copies} cuts, {args.batches} batches of 200 s, "
        f"{args.workers} workers; MB"
    )
    header = "| reading | check s | main peak RSS | main RSS / PSS / USS | worker RSS / PSS / USS |"
    print(header)
    print("|---|---|---|---|---|")
    for r in rows:
        m = r["main"]
        w = " ; ".join(f"{x['rss']:.0f} / {x['pss']:.0f} / {x['uss']:.0f}" for x in r["workers"])
        print(
            f"| {r['mode']} | {r['read_s']:.0f} | {r['main_peak_rss']:.0f} | "
            f"{m['rss']:.0f} / {m['pss']:.0f} / {m['uss']:.0f} | {w or '-'} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
