"""Python host time per eager FlashSigmoid call on a machine without a GPU.

    PYTHONPATH=.:kernels python tools/host_cpu.py [--shape B,H,N,D] [--bias log_n|none|FLOAT]
                                                  [--calls N] [--profile]

Runs flash_sigmoid_attn's kernel path (routing, argument preparation, autograd, the launch
calls' arguments) on CPU tensors with the kernel launches replaced by no-ops, and prints the
CPU time of this thread per call (best of 7 rounds of N calls), forward and
forward+backward, once through the eager ``autograd.Function`` that flash_sigmoid_attn uses
and once through the registered custom op with its autograd formula. What it leaves out is
the GPU side of a call: the CUDA allocator, the driver's launch and the autograd engine's
device thread (tools/host_overhead.py measures those on a GPU). --profile adds a cProfile of
forward+backward calls.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch


def _patch_for_cpu() -> None:
    """The kernel path on CPU tensors: kernels chosen, fixed tiles, launches that do nothing."""
    os.environ["FLASHSIGMOID_AUTOTUNE"] = "0"
    os.environ.pop("TRITON_INTERPRET", None)
    import flashsigmoid
    from flashsigmoid import dispatch, launcher

    launcher.launch = lambda kernel, grid, args, constexprs: None
    dispatch.uses_kernels = lambda x: True
    flashsigmoid.uses_kernels = lambda x: True


def per_call_us(call, rounds: int = 7, calls: int = 1000) -> float:
    for _ in range(50):
        call()
    best = float("inf")
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(calls):
            call()
        best = min(best, (time.thread_time() - start) / calls)
    return best * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", default="4,8,256,64", help="B,H,N,D (bf16)")
    parser.add_argument("--bias", default="log_n", help="log_n, none or a float")
    parser.add_argument("--calls", type=int, default=1000, help="calls per timed round")
    parser.add_argument("--profile", action="store_true", help="cProfile forward+backward")
    args = parser.parse_args(argv)
    batch, heads, n, dim = map(int, args.shape.split(","))
    bias = {"log_n": "log_n", "none": None}.get(args.bias)
    bias = float(args.bias) if bias is None and args.bias != "none" else bias
    torch.set_num_threads(1)
    _patch_for_cpu()
    import flashsigmoid
    from flashsigmoid import op

    q, k, v = (
        torch.randn(batch, n, heads, dim, dtype=torch.bfloat16, requires_grad=True)
        for _ in range(3)
    )
    dout = torch.randn_like(q)

    def forward():
        return flashsigmoid.flash_sigmoid_attn(q, k, v, bias=bias)

    def forward_backward():
        return torch.autograd.grad(forward(), (q, k, v), dout)

    eager = op.attention
    print(f"{args.shape} bf16, bias {args.bias}: us of CPU time per call, launches excluded")
    print("| autograd | forward | forward+backward |\n|---|---|---|")
    for name, attention in (
        ("autograd.Function (eager calls)", eager),
        ("custom op + register_autograd", lambda *a: op.attn_fwd(*a)),
    ):
        op.attention = attention
        fwd, fwd_bwd = (per_call_us(call, calls=args.calls) for call in (forward, forward_backward))
        print(f"| {name} | {fwd:.1f} | {fwd_bwd:.1f} |")
    op.attention = eager
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(2000):
            forward_backward()
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
