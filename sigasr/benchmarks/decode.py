"""`sigasr bench decode`: the decoding loop's RTFx on audio held in memory, pass by pass.

Runs :func:`sigasr.decode.recognize.recognize` (fbank on the device, the model's forward under
bf16 autocast on a GPU, greedy search, the host work of one batch overlapped with the device
work of the next), exactly as ``sigasr decode`` does, over synthetic utterances batched as
``sigasr decode`` batches a set: longest first, up to ``--max-duration`` seconds each. The model
of ``--config`` has random weights (greedy decoding costs the same whatever the weights), the
audio is noise held in pinned memory, so no disk or loader worker is involved: what
``sigasr decode`` adds on top is its loader. The first pass also pays what a process pays once
(kernel compilation or loading, autotuning of lengths met first); later passes show the
steady rate.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io

import torch

from sigasr.config import load_config
from sigasr.data.features import SAMPLING_RATE


class _TokenIds:
    """Hypotheses as their token ids: the benchmark needs no tokenizer."""

    @staticmethod
    def decode(ids: list[int]) -> str:
        return " ".join(map(str, ids))


def synthetic_batches(
    hours: float, shortest: float, longest: float, max_duration: float, seed: int
) -> list[dict]:
    """Utterances of ``shortest``..``longest`` seconds (uniform) adding up to ``hours``,
    longest first, in batches of at most ``max_duration`` seconds (at least one utterance):
    dicts with the keys of :class:`sigasr.data.dataset.AsrDataset`'s audio batches."""
    gen = torch.Generator().manual_seed(seed)
    seconds, total = [], 0.0
    while total < hours * 3600:
        seconds.append(shortest + (longest - shortest) * float(torch.rand((), generator=gen)))
        total += seconds[-1]
    seconds.sort(reverse=True)
    groups, current, filled = [], [], 0.0
    for s in seconds:
        if current and filled + s > max_duration:
            groups.append(current)
            current, filled = [], 0.0
        current.append(s)
        filled += s
    groups.append(current)
    batches, index = [], 0
    for group in groups:
        lens = torch.tensor([int(s * SAMPLING_RATE) for s in group])
        audio = 0.1 * torch.randn(len(group), int(lens.max()), generator=gen)
        audio[torch.arange(audio.size(1)) >= lens[:, None]] = 0.0
        ids = [f"synthetic-{index + i}" for i in range(len(group))]
        index += len(group)
        batches.append(
            {
                "audio": audio.pin_memory() if torch.cuda.is_available() else audio,
                "audio_lens": lens,
                "texts": [""] * len(group),
                "cut_ids": ids,
                "durations": group,
            }
        )
    return batches


def main(argv: list[str] | None = None) -> int:
    from sigasr.decode.recognize import recognize
    from sigasr.model import CTCModel

    parser = argparse.ArgumentParser(prog="sigasr bench decode", description=__doc__)
    parser.add_argument("--config", default="recipes/librispeech/conf/conformer_ctc_100m.yaml")
    parser.add_argument("--hours", type=float, default=1.0, help="audio per pass")
    parser.add_argument("--shortest", type=float, default=1.0, help="seconds")
    parser.add_argument("--longest", type=float, default=15.0, help="seconds")
    parser.add_argument(
        "--max-duration", type=float, help="seconds per batch (default: decode.max_duration)"
    )
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--vocab", type=int, default=501, help="output tokens, blank included")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--fresh-sets",
        action="store_true",
        help="each pass decodes a new set (seed + pass - 1), so later passes meet batch "
        "shapes the process has not seen; by default every pass decodes the same set",
    )
    args = parser.parse_args(argv)
    cfg = load_config(args.config, [f"model.vocab_size={args.vocab}"])
    max_duration = args.max_duration or cfg.decode.max_duration
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    model = CTCModel(cfg.model).to(device).eval()

    def batches_of(seed: int) -> list[dict]:
        return synthetic_batches(args.hours, args.shortest, args.longest, max_duration, seed)

    batches = batches_of(args.seed)
    utterances = sum(len(b["cut_ids"]) for b in batches)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    fresh = ", a new set each pass" if args.fresh_sets else ""
    print(f"sigasr bench decode, {datetime.date.today()}, {name}, torch {torch.__version__}, "
          f"{args.config} (random weights), {utterances} utterances of {args.shortest:g}-"
          f"{args.longest:g} s, {args.hours:g} h, {len(batches)} batches of up to "
          f"{max_duration:g} s, greedy{fresh}")  # fmt: skip
    print("| pass | RTFx | where the time went |")
    print("|---|---|---|")
    said = io.StringIO()  # what decoding prints (the first batch's time) goes after the table
    for p in range(1, args.passes + 1):
        if args.fresh_sets and p > 1:
            batches = batches_of(args.seed + p - 1)
        with contextlib.redirect_stdout(said):
            rec = recognize(model, batches, _TokenIds(), device, cfg.train.amp, show_progress=False)
        print(f"| {p} | {rec.rtfx:.0f} | {rec.times.summary(rec.wall_seconds)} |", flush=True)
    print(said.getvalue().rstrip())
    return 0
