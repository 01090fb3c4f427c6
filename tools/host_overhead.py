"""Host time per eager FlashSigmoid call, and eager ms against SDPA cuDNN, at ASR shapes.

    PYTHONPATH=.:kernels python tools/host_overhead.py [--autotune] [--markdown FILE]

Host time: CPU wall time per call, averaged over a burst of calls launched while the GPU is
held busy by a ``torch.cuda._sleep`` kernel queued just before the burst. Nothing in the burst
waits for the GPU (the launches only queue), so the time is the host's alone: Python,
autograd, allocator and the launch calls. A burst is valid only if the sleep is still running
when it ends (checked with an event; the sleep is lengthened otherwise); the median over
rounds is reported. Eager ms: ``triton.testing.do_bench`` medians of the same calls, as in
``sigasr bench attention``.

FlashSigmoid's calls take native.py's C++ eager path (the script waits for its build); the
"Python path" column runs the same calls with FLASHSIGMOID_NATIVE=0.

Tiles are fixed (FLASHSIGMOID_AUTOTUNE=0) unless --autotune: the host cost does not depend on
them, and autotuning six kernel keys from a cold cache takes minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import statistics
import sys
import time

import torch

ASR_SHAPES = [(64, 8, 256, 64), (32, 8, 750, 64), (32, 4, 750, 64)]
BURST = 40  # calls per burst: at most ~5 launches each, well inside the GPU's launch queue
ROUNDS = 7


def host_us(call) -> float:
    """Median host microseconds per ``call()`` with the GPU kept busy (module docstring);
    NaN if no burst ever ends before the sleep does (the call itself waits for the GPU)."""
    call()
    torch.cuda.synchronize()
    cycles, per_call = 50_000_000, []
    for _ in range(ROUNDS + 5):
        torch.cuda._sleep(cycles)
        sleeping = torch.cuda.Event()
        sleeping.record()
        start = time.perf_counter()
        for _ in range(BURST):
            call()
        elapsed = time.perf_counter() - start
        still_busy = not sleeping.query()
        torch.cuda.synchronize()
        if still_busy:
            per_call.append(elapsed / BURST)
        else:  # the GPU went idle during the burst: retry with a longer sleep
            cycles *= 2
        if len(per_call) == ROUNDS:
            break
    return 1e6 * statistics.median(per_call) if per_call else float("nan")


@contextlib.contextmanager
def python_path():
    """Eager calls through the Python ``autograd.Function`` instead of native.py's C++ node."""
    previous = os.environ.get("FLASHSIGMOID_NATIVE")
    os.environ["FLASHSIGMOID_NATIVE"] = "0"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["FLASHSIGMOID_NATIVE"]
        else:
            os.environ["FLASHSIGMOID_NATIVE"] = previous


def measure(shape) -> dict:
    from triton.testing import do_bench

    import flashsigmoid
    from sigasr.benchmarks.attention import candidates, problem, time_passes

    q, k, v, lengths = problem(shape)
    rows = candidates(shape, lengths)
    ours = rows["flashsigmoid"]
    cudnn = rows["sdpa-cudnn+mask" if shape.padded else "sdpa-cudnn"]
    dout = torch.randn_like(q)
    seq_lens = lengths if shape.padded else None

    def fwd(fn):
        return lambda: fn(q, k, v, lengths)

    def fwd_bwd(fn):
        return lambda: torch.autograd.grad(fn(q, k, v, lengths), (q, k, v), dout)

    def explicit_bias(q, k, v, lengths):  # b = -log n as a tensor
        bias = flashsigmoid.log_n_bias(lengths)
        return flashsigmoid.flash_sigmoid_attn(q, k, v, seq_lens=seq_lens, bias=bias)

    r = dict(shape=shape.label())
    r["host_fwd"], r["host_fb"] = host_us(fwd(ours)), host_us(fwd_bwd(ours))
    r["cudnn_host_fwd"], r["cudnn_host_fb"] = host_us(fwd(cudnn)), host_us(fwd_bwd(cudnn))
    r["host_fwd_explicit_bias"] = host_us(fwd(explicit_bias))

    def float_bias(q, k, v, lengths):  # b = -log N as a float, as the docs show it
        return flashsigmoid.flash_sigmoid_attn(q, k, v, seq_lens=seq_lens, bias=-math.log(shape.n))

    r["host_fwd_float_bias"] = host_us(fwd(float_bias))
    r["fwd_float_bias"] = do_bench(fwd(float_bias), warmup=25, rep=100, return_mode="median")
    with python_path():
        r["host_fwd_python"], r["host_fb_python"] = host_us(fwd(ours)), host_us(fwd_bwd(ours))
    r["fwd"], _, r["fb"] = time_passes(ours, q, k, v, lengths)
    r["cudnn_fwd"], _, r["cudnn_fb"] = time_passes(cudnn, q, k, v, lengths)
    return r


class _Passthrough(torch.autograd.Function):
    """The autograd engine's own cost: a Function whose backward does nothing."""

    @staticmethod
    def forward(ctx, x):
        return torch.empty_like(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def breakdown(shape) -> None:
    """Where the Python path's (FLASHSIGMOID_NATIVE=0) eager host time goes: the engine, our
    backward() alone, its launches, its allocations; then a cProfile of forward+backward
    calls (top functions)."""
    import cProfile
    import pstats

    import flashsigmoid
    from flashsigmoid import backward as bwd
    from flashsigmoid import dispatch, launcher
    from sigasr.benchmarks.attention import candidates, problem

    q, k, v, lengths = problem(shape)
    seq_lens = lengths if shape.padded else None
    dout = torch.randn_like(q)
    scale = shape.dim**-0.5

    def ours():
        out = flashsigmoid.flash_sigmoid_attn(q, k, v, seq_lens=seq_lens, bias="log_n")
        return torch.autograd.grad(out, (q, k, v), dout)

    launches = []
    real_launch = launcher.launch

    def recording(kernel, grid, args, constexprs):
        launches.append((kernel, grid, args, constexprs))
        real_launch(kernel, grid, args, constexprs)

    plan = dispatch.route(q, k, v, seq_lens, None, False)
    launcher.launch = recording
    bwd.backward(dout, q, k, v, seq_lens, None, None, scale, False, True, plan)
    launcher.launch = real_launch
    cudnn = candidates(shape, lengths)["sdpa-cudnn+mask" if shape.padded else "sdpa-cudnn"]

    def no_op():
        return torch.autograd.grad(_Passthrough.apply(q), q, dout)

    def cudnn_fb():
        return torch.autograd.grad(cudnn(q, k, v, lengths), (q, k, v), dout)

    def on_this_thread(call):
        """``call`` with the autograd engine running CUDA nodes on the calling thread."""

        def run():
            with torch.autograd.set_multithreading_enabled(False):
                return call()

        return run

    parts = {
        "engine: autograd.grad of a no-op Function (f+b)": no_op,
        "engine: autograd.grad of a C++ view (f+b)": lambda: torch.autograd.grad(
            q.view(q.shape), q, dout
        ),
        "backward.backward() called directly": lambda: bwd.backward(
            dout, q, k, v, seq_lens, None, None, scale, False, True, plan
        ),
        "its launches alone (launcher.launch)": lambda: [real_launch(*a) for a in launches],
        "three torch.empty like q": lambda: [torch.empty_like(q) for _ in range(3)],
        "forward (flash_sigmoid_attn)": lambda: flashsigmoid.flash_sigmoid_attn(
            q, k, v, seq_lens=seq_lens, bias="log_n"
        ),
        "forward + autograd.grad": ours,
        "forward + autograd.grad, engine on this thread": on_this_thread(ours),
        "no-op Function, engine on this thread": on_this_thread(no_op),
        "SDPA cuDNN forward + autograd.grad": cudnn_fb,
        "SDPA cuDNN, engine on this thread": on_this_thread(cudnn_fb),
    }
    print(f"breakdown {shape.label()}: {len(launches)} backward launches")
    for name, call in parts.items():
        print(f"  {name:50s} {host_us(call):7.1f} us")
    ours()
    torch.cuda.synchronize()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(200):
        ours()
    profile.disable()
    torch.cuda.synchronize()
    print("cProfile of 200 forward+backward calls (tottime, s):")
    pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def markdown(results: list[dict]) -> str:
    import triton

    lines = [
        f"GPU: {torch.cuda.get_device_name()}; torch {torch.__version__}; triton "
        f"{triton.__version__}; bf16; tiles: "
        f"{'autotuned' if os.environ['FLASHSIGMOID_AUTOTUNE'] == '1' else 'fixed'}.",
        "Host: us of CPU time per eager call (GPU kept busy); bwd = f+b - fwd. "
        "Eager: do_bench median ms. Speedup: cuDNN ms / FlashSigmoid ms.",
        "",
        "| shape B,H,N,D | host fwd | host bwd | host f+b | Python path fwd / f+b "
        "| explicit bias fwd | float bias fwd: host, ms | cuDNN host fwd / f+b "
        "| fwd ms (cuDNN) | f+b ms (cuDNN) | speedup fwd / f+b |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['shape']} | {r['host_fwd']:.0f} | {r['host_fb'] - r['host_fwd']:.0f} "
            f"| {r['host_fb']:.0f} | {r['host_fwd_python']:.0f} / {r['host_fb_python']:.0f} "
            f"| {r['host_fwd_explicit_bias']:.0f} "
            f"| {r['host_fwd_float_bias']:.0f}, {r['fwd_float_bias']:.3f} "
            f"| {r['cudnn_host_fwd']:.0f} / {r['cudnn_host_fb']:.0f} "
            f"| {r['fwd']:.3f} ({r['cudnn_fwd']:.3f}) | {r['fb']:.3f} ({r['cudnn_fb']:.3f}) "
            f"| {r['cudnn_fwd'] / r['fwd']:.2f}x / {r['cudnn_fb'] / r['fb']:.2f}x |"
        )
    return "\n".join(lines) + "\n"


def summary(results: list[dict]) -> str:
    host_fwd = [r["host_fwd"] for r in results]
    host_bwd = [r["host_fb"] - r["host_fwd"] for r in results]
    fwd_x = [r["cudnn_fwd"] / r["fwd"] for r in results]
    fb_x = [r["cudnn_fb"] / r["fb"] for r in results]
    faster = sum(f > 1 for f in fwd_x) + sum(f > 1 for f in fb_x)
    return (
        f"SUMMARY host/call fwd {min(host_fwd):.0f}-{max(host_fwd):.0f} us, "
        f"bwd {min(host_bwd):.0f}-{max(host_bwd):.0f} us (target <= 80); "
        f"eager vs SDPA cuDNN fwd {min(fwd_x):.2f}-{max(fwd_x):.2f}x, "
        f"f+b {min(fb_x):.2f}-{max(fb_x):.2f}x; faster in {faster}/{2 * len(results)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--autotune", action="store_true", help="autotune tiles (slow start)")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="only split the Python path's forward+backward host time",
    )
    args = parser.parse_args(argv)
    os.environ["FLASHSIGMOID_AUTOTUNE"] = "1" if args.autotune else "0"
    if not torch.cuda.is_available():
        print("host_overhead: needs a CUDA GPU; none is visible.")
        return 2
    from flashsigmoid import launcher, native
    from sigasr.benchmarks.attention import Shape

    shapes = [Shape(*s, padded=padded) for padded in (False, True) for s in ASR_SHAPES]
    if args.breakdown:
        os.environ["FLASHSIGMOID_NATIVE"] = "0"
        for shape in shapes[:2]:
            breakdown(shape)
        return 0
    if native.wait() is None:
        print(f"host_overhead: the C++ eager path is unavailable ({native.error()})")
    results = []
    for shape in shapes:
        results.append(measure(shape))
        print(f"  {shape.label()} done", flush=True)
    table = markdown(results)
    print(table)
    print(f"compiled kernels cached for fast launch: {len(launcher._COMPILED)}")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    print(summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
