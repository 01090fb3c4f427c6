"""Training throughput of a recipe's model, sigmoid (FlashSigmoid) against softmax (SDPA).

One process, one GPU, the same model, optimizer, batch and bf16 autocast for every row; only
``model.encoder.attention.kind`` / ``.pos`` and the forced SDPA backend change. Batches are padded
like real ones: B utterances with lengths uniform in [0.4, 1] x the longest. Reports audio
seconds per second (100 feature frames = 1 s) and ratios against the first softmax row.
Two more steps per row run under ``torch.profiler`` for the GPU's own time per step: how
busy the step keeps the GPU, and the attention kernels' part (a host-bound step ranks host
scheduling, not kernels).
``--compile`` compiles the encoder's layers as ``train.compile=true`` does
(``SubsampledEncoder.compile_layers``; compiling happens in the untimed warm-up steps), which
takes most per-op host work out of the step.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import time

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from sigasr.config import load_config
from sigasr.model import CTCModel

VARIANTS = {
    "sigmoid alibi (flashsigmoid)": (["model.encoder.attention.kind=sigmoid", "model.encoder.attention.pos=alibi"], None),
    "sigmoid rope (flashsigmoid)": (["model.encoder.attention.kind=sigmoid", "model.encoder.attention.pos=rope"], None),
    "softmax alibi (sdpa cudnn)": (["model.encoder.attention.kind=softmax", "model.encoder.attention.pos=alibi"], SDPBackend.CUDNN_ATTENTION),
    "softmax rope (sdpa cudnn)": (["model.encoder.attention.kind=softmax", "model.encoder.attention.pos=rope"], SDPBackend.CUDNN_ATTENTION),
    "softmax rope (sdpa efficient)": (["model.encoder.attention.kind=softmax", "model.encoder.attention.pos=rope"], SDPBackend.EFFICIENT_ATTENTION),
}  # fmt: skip


def _step_time(model, batch, steps: int, backend) -> tuple[float, tuple[float, float]]:
    """(wall seconds per step, _gpu_time of two more steps)."""
    feats, lens, targets, target_lens = batch
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step():
        ctx = sdpa_kernel(backend) if backend is not None else contextlib.nullcontext()
        with ctx, torch.autocast("cuda", dtype=torch.bfloat16):
            log_probs, out_lens = model(feats, lens)
        loss = torch.nn.functional.ctc_loss(
            log_probs.transpose(0, 1), targets, out_lens, target_lens, zero_infinity=True
        )
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(3):  # compile kernels and autotune outside the timing
        step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps, _gpu_time(step)


def _gpu_time(step, steps: int = 2) -> tuple[float, float]:
    """(GPU kernel seconds per step, attention kernels' seconds per step), profiled. The
    profiler slows the host, not the kernels."""
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
    kernels = [
        (e.key, e.self_device_time_total)
        for e in prof.key_averages()
        if e.device_type == DeviceType.CUDA and not e.is_user_annotation
    ]
    total, attention = split_kernel_time(kernels)
    return total / steps, attention / steps


ATTENTION_KERNELS = {"_forward_kernel", "_backward_kernel", "_rope_kernel"}
"""FlashSigmoid's (and its RoPE's) Triton kernels, by name."""

SDPA_KERNEL_MARKS = ("sdpa", "fmha", "flash_")
"""Name parts of SDPA's kernels: cuDNN's (``cudnn_generated_..._sdpa_...``), the efficient
backend's (``fmha_cutlass...``) and the flash backend's (``flash_fwd...``)."""


def split_kernel_time(kernels: list[tuple[str, float]]) -> tuple[float, float]:
    """(all, attention) seconds from (kernel name, microseconds) pairs."""
    total = sum(us for _, us in kernels)
    attention = sum(
        us
        for name, us in kernels
        if name in ATTENTION_KERNELS or any(mark in name for mark in SDPA_KERNEL_MARKS)
    )
    return total / 1e6, attention / 1e6


def recipe_batch(max_duration: float, seconds: float) -> int:
    """Utterances of up to ``seconds`` that fill the recipe's batch budget of ``max_duration``
    seconds, as its sampler fills one (1000 s, 15 s: 66): a step the size training runs,
    which keeps the GPU busier than a small batch (16 x 15 s is host-bound)."""
    return max(1, int(max_duration // seconds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sigasr bench training", description=__doc__)
    parser.add_argument("--config", default="recipes/librispeech/conf/conformer_ctc_100m.yaml")
    parser.add_argument(
        "--batch", type=int, help="utterances (default: the config's data.max_duration // seconds)"
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="longest utterance")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--compile", action="store_true", help="torch.compile the encoder layers")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("sigasr bench training: needs a CUDA GPU; none is visible.")
        return 2
    if args.batch is None:
        args.batch = recipe_batch(load_config(args.config).data.max_duration, args.seconds)
    gen = torch.Generator().manual_seed(0)
    frames = int(args.seconds * 100)
    lens = (frames * (0.4 + 0.6 * torch.rand(args.batch, generator=gen))).long()
    lens[0] = frames
    feats = torch.randn(args.batch, frames, 80, generator=gen)
    target_lens = (lens // 20).clamp(min=1)
    targets = torch.randint(1, 501, (args.batch, int(target_lens.max())), generator=gen)
    batch = (feats.cuda(), lens.cuda(), targets.cuda(), target_lens.cuda())
    audio_seconds = float(lens.sum()) / 100
    rows = []
    for name, (overrides, backend) in VARIANTS.items():
        cfg = load_config(args.config, [*overrides, "model.vocab_size=501"])
        torch.manual_seed(0)
        model = CTCModel(cfg.model).cuda().train()
        if args.compile:
            model.encoder.compile_layers()
        try:
            seconds, (gpu, attention) = _step_time(model, batch, args.steps, backend)
        except RuntimeError as e:
            print(f"{name}: not available: {str(e).splitlines()[0][:100]}")
            continue
        rows.append((name, seconds, audio_seconds / seconds, gpu, attention))
        print(
            f"{name:32s} {seconds * 1e3:8.1f} ms/step {audio_seconds / seconds:9.0f} audio-s/s "
            f"GPU {gpu * 1e3:.1f} ms/step, attention {attention * 1e3:.1f} ms",
            flush=True,
        )
        del model
        torch.cuda.empty_cache()
    params = CTCModel(load_config(args.config, ["model.vocab_size=501"]).model).num_parameters()
    base = next((r for r in rows if r[0].startswith("softmax")), None)
    print(
        f"\n{args.config}: {params / 1e6:.1f} M parameters; batch {args.batch} x up to "
        f"{args.seconds:g} s ({audio_seconds:.0f} s of audio); bf16 autocast, AdamW"
        f"{', torch.compile' if args.compile else ''}; "
        f"{torch.cuda.get_device_name()}; torch {torch.__version__}; "
        f"{datetime.date.today().isoformat()}\n"
    )
    print(
        "| variant | ms / step | audio-s / s | vs first softmax row | GPU ms / step "
        "| GPU busy | attention kernels, ms / step (share of GPU) |\n|---|---|---|---|---|---|---|"
    )
    for name, seconds, rate, gpu, attention in rows:
        ratio = f"{base[1] / seconds:.2f}x" if base else ""
        print(
            f"| {name} | {seconds * 1e3:.1f} | {rate:.0f} | {ratio} | {gpu * 1e3:.1f} "
            f"| {gpu / seconds:.0%} | {attention * 1e3:.2f} ({attention / gpu:.1%}) |"
        )
    return 0
