"""Attention benchmark: FlashSigmoid against softmax kernels on the same GPU, in one run.

Times forward, backward and forward+backward with ``triton.testing.do_bench`` (median ms)
and reports TFLOP/s: 4 B H N^2 D for the forward, 2.5x that for the backward (halved when
causal). Padded batches count only the real work, sum_b 4 len_b^2 H D. Every ratio is
against baselines measured in the same process.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

import flashsigmoid
from flashsigmoid import native, tuning


@dataclass(frozen=True)
class Shape:
    batch: int
    heads: int
    n: int
    dim: int
    causal: bool = False
    padded: bool = False  # lengths uniform in [0.4 N, N]

    def label(self) -> str:
        tags = ("causal" if self.causal else "") + (" padded" if self.padded else "")
        return f"{self.batch},{self.heads},{self.n},{self.dim}{' ' + tags.strip() if tags else ''}"


PAPER = [
    Shape(16384 // n, 16, n, d, causal)
    for causal in (False, True)
    for d in (64, 128)
    for n in (1024, 4096, 16384)
]
ASR = [Shape(64, 8, 256, 64), Shape(32, 8, 750, 64), Shape(16, 8, 1500, 64), Shape(32, 4, 750, 64)]
PADDED = [Shape(s.batch, s.heads, s.n, s.dim, padded=True) for s in ASR]


def parse_shape(text: str) -> Shape:
    """ "B,H,N,D" or "B,H,N,D,padded" (non-causal)."""
    *dims, last = text.split(",")
    padded = last == "padded"
    numbers = dims if padded else [*dims, last]
    if len(numbers) != 4 or not all(x.isdigit() for x in numbers):
        raise ValueError(f"shape {text!r}: expected B,H,N,D or B,H,N,D,padded")
    return Shape(*map(int, numbers), padded=padded)


def _flops(shape: Shape, lengths: torch.Tensor) -> float:
    """Forward FLOPs of the real work."""
    work = float((lengths.double() ** 2).sum()) * 4 * shape.heads * shape.dim
    return work / 2 if shape.causal else work


def _sdpa(backend, mask=None, causal=False):
    def run(q, k, v, lengths):
        with sdpa_kernel(backend):
            out = F.scaled_dot_product_attention(
                q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                attn_mask=mask, is_causal=causal,
            )  # fmt: skip
        return out.transpose(1, 2)

    return run


def _naive_sigmoid(causal):
    def run(q, k, v, lengths):
        s = torch.einsum("bihd,bjhd->bhij", q, k) * q.shape[-1] ** -0.5
        s = s - math.log(q.shape[1])
        p = torch.sigmoid(s)
        if causal:
            p = p.tril()
        return torch.einsum("bhij,bjhd->bihd", p, v)

    return run


def _flash_sigmoid(padded, causal):
    def run(q, k, v, lengths):
        return flashsigmoid.flash_sigmoid_attn(
            q, k, v, seq_lens=lengths if padded else None, bias="log_n", causal=causal
        )

    return run


def _triton_sigmoid(padded, causal):
    """The ``triton-sigmoid`` package (another group's kernels; its bias handling is its own),
    through its documented API, as a speed column only."""
    import triton_sigmoid

    def run(q, k, v, lengths):
        if padded:
            lens = lengths.to(torch.int32)
            return triton_sigmoid.sigmoid_attention_padded(
                q, k, v, seq_lens_k=lens, seq_lens_q=lens, is_causal=causal
            )
        return triton_sigmoid.sigmoid_attention(q, k, v, is_causal=causal)

    return run


def _rope_then_flash_sigmoid(q, k, v, lengths):
    q, k = flashsigmoid.apply_rope(q, k)
    return flashsigmoid.flash_sigmoid_attn(q, k, v, bias="log_n")


def _varlen(lengths: torch.Tensor, n: int):
    """varlen_attn on tokens packed once, outside the timing, as a packed model holds them."""
    from torch.nn.attention.varlen import varlen_attn

    keep = (torch.arange(n, device=lengths.device)[None] < lengths[:, None]).flatten()
    tokens = keep.nonzero().squeeze(1)
    cu = F.pad(lengths.cumsum(0), (1, 0)).to(torch.int32)
    n_max = int(lengths.max())

    def run(q, k, v, _):
        packed = (t.flatten(0, 1).index_select(0, tokens) for t in (q, k, v))
        return varlen_attn(*packed, cu, cu, n_max, n_max)

    return run


def candidates(shape: Shape, lengths: torch.Tensor) -> dict[str, Callable]:
    rows = {"flashsigmoid": _flash_sigmoid(shape.padded, shape.causal)}
    if importlib.util.find_spec("triton_sigmoid") is not None:
        rows["triton-sigmoid"] = _triton_sigmoid(shape.padded, shape.causal)
    if shape.padded:
        key_valid = torch.arange(shape.n, device=lengths.device)[None] < lengths[:, None]
        mask = key_valid[:, None, None, :]
        rows["sdpa-cudnn+mask"] = _sdpa(SDPBackend.CUDNN_ATTENTION, mask)
        rows["sdpa-efficient+mask"] = _sdpa(SDPBackend.EFFICIENT_ATTENTION, mask)
        rows["varlen_attn (packed)"] = _varlen(lengths, shape.n)
        return rows
    for name, backend in (
        ("sdpa-flash", SDPBackend.FLASH_ATTENTION),
        ("sdpa-cudnn", SDPBackend.CUDNN_ATTENTION),
        ("sdpa-efficient", SDPBackend.EFFICIENT_ATTENTION),
    ):
        rows[name] = _sdpa(backend, causal=shape.causal)
    if not shape.causal:
        rows["flashsigmoid + apply_rope"] = _rope_then_flash_sigmoid
    if shape.batch * shape.heads * shape.n**2 * 2 <= 8 * 2**30:  # the naive row holds N x N
        rows["naive sigmoid"] = _naive_sigmoid(shape.causal)
    return rows


def time_passes(fn, q, k, v, lengths, graph: bool = False) -> tuple[float, float, float]:
    """Median ms of forward, backward and forward+backward: eager calls (``do_bench``), or
    with ``graph`` replays of a CUDA graph of them (``do_bench_cudagraph``: no host time;
    the backward is then forward+backward minus forward)."""
    from triton.testing import do_bench, do_bench_cudagraph

    def bench(call):
        if graph:
            return do_bench_cudagraph(call, rep=100, return_mode="median")
        return do_bench(call, warmup=25, rep=100, return_mode="median")

    if graph:
        with torch.no_grad():  # the output's shape (varlen's is packed), autograd untouched
            dout = torch.randn_like(fn(q, k, v, lengths))

        # Fresh leaves, first used on do_bench_cudagraph's capture stream: autograd runs a
        # leaf's gradient on the stream of its first use, and the capture must not touch
        # another stream. A backward alone cannot be captured apart from its forward.
        def leaves():
            return tuple(t.detach().requires_grad_() for t in (q, k, v))

        a, b = leaves(), leaves()
        fwd = bench(lambda: fn(*a, lengths))
        total = bench(lambda: torch.autograd.grad(fn(*b, lengths), b, dout))
        return fwd, total - fwd, total
    out = fn(q, k, v, lengths)
    dout = torch.randn_like(out)
    fwd = bench(lambda: fn(q, k, v, lengths))
    bwd = bench(lambda: torch.autograd.grad(out, (q, k, v), dout, retain_graph=True))
    total = bench(lambda: torch.autograd.grad(fn(q, k, v, lengths), (q, k, v), dout))
    return fwd, bwd, total


def problem(shape: Shape, dtype=torch.bfloat16, seed: int = 0):
    """Random q, k, v (B, N, H, D) on the GPU, requiring grad, and the lengths (B,) int64."""
    gen = torch.Generator(device="cuda").manual_seed(seed)
    q, k, v = (
        torch.randn(shape.batch, shape.n, shape.heads, shape.dim, device="cuda",
                    dtype=dtype, generator=gen).requires_grad_()
        for _ in range(3)
    )  # fmt: skip
    if shape.padded:
        lo = int(0.4 * shape.n)
        lengths = torch.randint(lo, shape.n + 1, (shape.batch,), device="cuda", generator=gen)
    else:
        lengths = torch.full((shape.batch,), shape.n, device="cuda")
    return q, k, v, lengths


def run(shapes: list[Shape], dtype=torch.bfloat16, seed: int = 0, graph=False) -> list[dict]:
    if not graph and native.wait() is None:  # eager calls take the C++ path once it is built
        print(f"  the C++ eager path is unavailable, eager calls run in Python: {native.error()}")
    results = []
    for shape in shapes:
        q, k, v, lengths = problem(shape, dtype, seed)
        flops = _flops(shape, lengths)
        for name, fn in candidates(shape, lengths).items():
            tuned_before = len(tuning.picks())
            try:
                fwd, bwd, total = time_passes(fn, q, k, v, lengths, graph)
            except Exception as e:  # a backend that refuses this shape (Triton compile errors too)
                print(f"  {shape.label():28s} {name:22s} not available: {str(e)[:80]}")
                continue
            row = dict(
                shape=shape.label(), kernel=name, fwd_ms=fwd, bwd_ms=bwd, total_ms=total,
                fwd_tflops=flops / fwd / 1e9, bwd_tflops=2.5 * flops / bwd / 1e9,
                total_tflops=3.5 * flops / total / 1e9,
            )  # fmt: skip
            if name == "flashsigmoid":
                row["tiles"] = tuning.picks()[tuned_before:]  # empty: tuned for an earlier shape
            results.append(row)
            print(
                f"  {row['shape']:28s} {name:22s} fwd {fwd:7.3f} ms {row['fwd_tflops']:6.1f} TF"
                f" | bwd {bwd:7.3f} ms {row['bwd_tflops']:6.1f} TF"
                f" | f+b {total:7.3f} ms {row['total_tflops']:6.1f} TF",
                flush=True,
            )
    return results


def _eager_path() -> str:
    return " (C++ path)" if native.extension() is not None else " (Python path)"


def markdown(results: list[dict], graph: bool = False) -> str:
    """One table: TFLOP/s per pass and FlashSigmoid's ratio to each softmax row."""
    device = torch.cuda.get_device_name()
    import triton

    lines = [
        f"GPU: {device}; torch {torch.__version__}; triton {triton.__version__}; "
        f"date {datetime.date.today().isoformat()}; bf16; "
        f"{'CUDA-graph replays' if graph else 'eager calls' + _eager_path()}; "
        "TFLOP/s fwd / bwd / fwd+bwd.",
        "",
        "| shape B,H,N,D | kernel | fwd | bwd | fwd+bwd | flashsigmoid speedup fwd / f+b |",
        "|---|---|---|---|---|---|",
    ]
    by_shape: dict[str, list[dict]] = {}
    for row in results:
        by_shape.setdefault(row["shape"], []).append(row)
    for shape, rows in by_shape.items():
        ours = next((r for r in rows if r["kernel"] == "flashsigmoid"), None)
        for r in rows:
            ratio = ""
            if ours is not None and r is not ours:
                ratio = (
                    f"{r['fwd_ms'] / ours['fwd_ms']:.2f}x / {r['total_ms'] / ours['total_ms']:.2f}x"
                )
            lines.append(
                f"| {shape} | {r['kernel']} | {r['fwd_tflops']:.0f} | {r['bwd_tflops']:.0f} "
                f"| {r['total_tflops']:.0f} | {ratio} |"
            )
    tuned = [f"- {row['shape']}: " + "; ".join(row["tiles"]) for row in results if row.get("tiles")]
    if tuned:
        lines += ["", "Tiles the autotuner picked (at the first shape of each N bucket):", *tuned]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sigasr bench attention", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--set", choices=["asr", "padded", "paper", "all"], default="all")
    parser.add_argument(
        "--shapes", nargs="+", metavar="B,H,N,D",
        help="these non-causal shapes instead of a set (append ',padded' for padded batches)",
    )  # fmt: skip
    parser.add_argument("--markdown", help="also write the table to this markdown file")
    timing = parser.add_mutually_exclusive_group()
    timing.add_argument(
        "--graph",
        action="store_true",
        help="time CUDA-graph replays (the GPU's time alone, as in a captured training step)",
    )
    timing.add_argument(
        "--eager-and-graph",
        action="store_true",
        help="one table of eager calls, then one of CUDA-graph replays, in the same run",
    )
    args = parser.parse_args(argv)
    shapes = {"asr": ASR, "padded": PADDED, "paper": PAPER, "all": ASR + PADDED + PAPER}[args.set]
    if args.shapes:
        try:
            shapes = [parse_shape(text) for text in args.shapes]
        except ValueError as e:
            parser.error(str(e))
    if not torch.cuda.is_available():
        print("sigasr bench attention: needs a CUDA GPU; none is visible.")
        return 2
    modes = [False, True] if args.eager_and_graph else [args.graph]
    table = "\n".join(markdown(run(shapes, graph=graph), graph) for graph in modes)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    return 0
