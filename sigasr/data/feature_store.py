"""Computing fbank for a cut set into lilcom-compressed chunked archives, counting losses."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch
from lhotse import CutSet, LilcomChunkyWriter

from sigasr.data.features import fbank_extractor
from sigasr.data.report import DropReport


def _one_thread() -> None:
    torch.set_num_threads(1)


def store_fbank(
    cuts: CutSet, feature_dir: Path, name: str, num_jobs: int
) -> tuple[CutSet, DropReport]:
    """Cuts of ``cuts`` with fbank stored under ``feature_dir/<name>``.

    lhotse drops cuts whose audio fails to load without saying so; every cut missing from its
    output is reported here as ``feature extraction failed``. Extraction runs with one torch
    thread per process, the workers included (lhotse spawns them, and a spawned torch starts one
    thread per core): intra-op threads on these small FFTs make it ~20x slower on a busy CPU.
    """
    feature_dir.mkdir(parents=True, exist_ok=True)
    cuts = cuts.to_eager()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    executor = None
    if num_jobs > 1:
        executor = ProcessPoolExecutor(
            num_jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_one_thread
        )
    try:
        with_feats = cuts.compute_and_store_features(
            extractor=fbank_extractor(),
            storage_path=feature_dir / f"feats_{name}",
            num_jobs=num_jobs,
            storage_type=LilcomChunkyWriter,
            executor=executor,
        ).to_eager()
    finally:
        torch.set_num_threads(threads)
        if executor is not None:
            executor.shutdown()
    produced = set(with_feats.ids)
    report = DropReport(f"{name} fbank")
    for cut in cuts:
        if cut.id in produced:
            report.keep()
        else:
            report.skip(cut.id, "feature extraction failed")
    return with_feats, report
