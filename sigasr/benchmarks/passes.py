"""One-pass transcription timing of attention variants, each in its own process.

A variant is a recipe model with its attention swapped (``model.encoder.attention.kind``
and ``.pos``), optionally an SDPA backend forced, optionally ``torch.compile(fullgraph=True)``.
Each variant runs in a fresh Python process over the lengths in increasing order, so that its
peak memory (GPU: ``max_memory_allocated`` per length; CPU: the process's peak RSS so far,
which the longest length so far sets) belongs to it alone, and running out of memory ends
only that variant. Passes go through :meth:`Transcriber.encode`, the one-pass path of
``sigasr transcribe`` (fbank excluded): random 80-dim features, random weights (time and
memory do not depend on them).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

SIGMOID = "model.encoder.attention.kind=sigmoid"
SOFTMAX = "model.encoder.attention.kind=softmax"
ALIBI, ROPE = "model.encoder.attention.pos=alibi", "model.encoder.attention.pos=rope"


@dataclass(frozen=True)
class Variant:
    label: str
    overrides: tuple[str, ...]
    backend: str | None = None  # a torch.nn.attention.SDPBackend name, or SDPA's own choice
    compiled: bool = False
    cuda_only: bool = False


VARIANTS = {
    v.label: v
    for v in (
        Variant("sigmoid alibi", (SIGMOID, ALIBI)),
        Variant("sigmoid alibi, compiled", (SIGMOID, ALIBI), compiled=True),
        Variant("sigmoid rope", (SIGMOID, ROPE)),
        Variant("softmax rope (sdpa cudnn)", (SOFTMAX, ROPE), "CUDNN_ATTENTION", cuda_only=True),
        Variant("softmax rope (sdpa flash)", (SOFTMAX, ROPE), "FLASH_ATTENTION"),
        Variant("softmax rope (sdpa)", (SOFTMAX, ROPE)),
        Variant("softmax alibi (sdpa, N^2 bias)", (SOFTMAX, ALIBI)),
    )
}


@dataclass
class PassResult:
    """One variant at one length: median seconds of the timed passes, the first pass's
    seconds (compiling and autotuning included), peak bytes; ``error`` if it did not run."""

    variant: str
    seconds_audio: float
    median_s: float = float("nan")
    first_s: float = float("nan")
    peak_bytes: int = 0
    error: str = ""

    @property
    def rtfx(self) -> float:
        return self.seconds_audio / self.median_s


def run_variant(
    variant: Variant,
    seconds: list[float],
    *,
    config: str,
    device: str,
    threads: int | None = None,
    repeats: int = 3,
    max_pass_seconds: float = float("inf"),
) -> list[PassResult]:
    """Runs ``variant`` at each length in a child process; one result per length."""
    if variant.cuda_only and device != "cuda":
        return [PassResult(variant.label, s, error="needs CUDA") for s in seconds]
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    args = dict(
        variant=variant.label, seconds=sorted(seconds), config=config, device=device,
        threads=threads, repeats=repeats, max_pass_seconds=max_pass_seconds,
    )  # fmt: skip
    child = subprocess.run(
        [sys.executable, "-m", "sigasr.benchmarks.passes", json.dumps(args)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    results = {}
    for line in child.stdout.splitlines():
        if line.startswith("{"):
            row = PassResult(**json.loads(line))
            results[row.seconds_audio] = row
    if child.returncode:
        why = f"process ended with {child.returncode}" + (
            " (killed: out of memory?)" if child.returncode < 0 else ""
        )
    else:
        why = "not run: a shorter length ran out of memory or time"
    return [results.get(s) or PassResult(variant.label, s, error=why) for s in seconds]


def _child(args: dict) -> None:
    """Times one variant at each length; prints one JSON line per length."""
    import torch

    from sigasr.config import load_config
    from sigasr.model import CTCModel
    from sigasr.transcribe.transcriber import FRAME_SECONDS, Transcriber

    variant = VARIANTS[args["variant"]]
    if args["threads"]:
        torch.set_num_threads(args["threads"])
    device = torch.device(args["device"])
    cfg = load_config(args["config"], ["model.vocab_size=501", *variant.overrides])
    model = CTCModel(cfg.model).to(device).eval()
    transcriber = Transcriber(model, None, device, max_one_pass_seconds=1e9)
    if variant.compiled:
        transcriber.model = torch.compile(model, fullgraph=True)
    backend = None
    if variant.backend is not None:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        backend = getattr(SDPBackend, variant.backend)
    for seconds in args["seconds"]:
        features = torch.randn(int(seconds / FRAME_SECONDS), 80)
        if device.type == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        row = dict(variant=variant.label, seconds_audio=seconds)
        try:
            with sdpa_kernel(backend) if backend is not None else contextlib.nullcontext():
                times = _timed_passes(transcriber, features, args["repeats"])
        except torch.OutOfMemoryError:
            print(json.dumps({**row, "error": "out of memory"}), flush=True)
            return
        except RuntimeError as e:  # e.g. no SDPA backend of that kind for these inputs
            print(json.dumps({**row, "error": str(e).splitlines()[0][:80]}), flush=True)
            return
        if device.type == "cuda":
            peak = torch.cuda.max_memory_allocated()
        else:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        median = statistics.median(times[1:]) if len(times) > 1 else times[0]
        row.update(median_s=median, first_s=times[0], peak_bytes=peak)
        print(json.dumps(row), flush=True)
        if median > args["max_pass_seconds"]:
            return


def _timed_passes(transcriber, features, repeats: int) -> list[float]:
    """Wall seconds of 1 + repeats passes (the first compiles and autotunes), fewer timed
    ones (at least one) where they would take over a minute together. A pass ends with the
    log-probabilities on the CPU, so GPU work is finished."""
    times = []
    while len(times) < 2 or (len(times) <= repeats and sum(times[1:]) < TIMED_BUDGET_S):
        start = time.perf_counter()
        transcriber.encode(features)
        times.append(time.perf_counter() - start)
    return times


TIMED_BUDGET_S = 60.0


def machine_line(device: str, threads: int | None) -> str:
    """The processor or GPU, torch's version and thread count, and the date."""
    import datetime
    import platform

    import torch

    if device == "cuda":
        where = torch.cuda.get_device_name()
    else:
        where = _cpu_name() or platform.processor() or platform.machine()
        where += f", {threads or torch.get_num_threads()} threads"
    return f"{where}; torch {torch.__version__}; {datetime.date.today().isoformat()}"


def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return ""


def load_line() -> str:
    """The 1-minute load average against the CPU count: other work skews CPU timings."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


if __name__ == "__main__":
    _child(json.loads(sys.argv[1]))
