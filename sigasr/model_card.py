"""The ``README.md`` model card of an exported model folder, in the Hugging Face Hub's format.

A YAML header (library, task, tags, metrics) that the Hub reads, then what the model is, what
it was trained on, its WER on every set the experiment decoded with this very model
(``wer-summary-<set>-<tag>.txt`` in the experiment's ``decode/`` directory, the tag naming the
checkpoints averaged), and how to use it.
"""

from __future__ import annotations

import re
from pathlib import Path

from omegaconf import DictConfig

WER_LINE = re.compile(
    r"^\[(?P<set>[^\]]+)\] %WER (?P<wer>[\d.]+)% \[(?P<errors>\d+) / (?P<words>\d+)"
)


def decode_results(exp_dir: Path, tag: str) -> list[dict]:
    """One row per ``decode/wer-summary-*-<tag>.txt`` (:func:`sigasr.decode.scoring.model_tag`):
    set, WER %, errors, words and the file name."""
    rows = []
    for path in sorted((exp_dir / "decode").glob(f"wer-summary-*-{tag}.txt")):
        match = WER_LINE.match(path.read_text().strip())
        if match:
            rows.append({**match.groupdict(), "file": path.name})
    return rows


def model_card(
    name: str,
    cfg: DictConfig,
    num_parameters: int,
    checkpoints: list[str],
    results: list[dict],
) -> str:
    """The card's Markdown text.

    Args:
        name: the folder's name, used as the title and in the usage examples.
        cfg: the experiment config the model was trained with.
        num_parameters: the model's parameter count.
        checkpoints: the names of the checkpoints averaged into the weights.
        results: rows from :func:`decode_results`.
    """
    enc = cfg.model.encoder
    attention = enc.attention
    header = [
        "---",
        "library_name: sigasr",
        "pipeline_tag: automatic-speech-recognition",
        "language: en",
        "tags: [automatic-speech-recognition, ctc, sigmoid-attention, sigasr]",
    ]
    if results:
        header += [
            "model-index:",
            f"- name: {name}",
            "  results:",
        ]
        for row in results:
            header += [
                "  - task: {type: automatic-speech-recognition}",
                f"    dataset: {{name: {row['set']}, type: {row['set']}}}",
                f"    metrics: [{{type: wer, value: {row['wer']}, name: WER}}]",
            ]
    header.append("---")
    bias = {
        "log_n": ", b = −log n",
        "const": f", b = {attention.sigmoid_bias_value:g}",
        "learnable": ", a learnable b per head",
        "none": ", no bias",
    }[attention.sigmoid_bias]
    bias = bias if attention.kind == "sigmoid" else ""
    positions = {"alibi": "ALiBi", "rope": "RoPE", "none": "no"}[attention.pos]
    lines = [
        f"# {name}",
        "",
        f"A {enc.type.capitalize()}-CTC speech recognizer trained with "
        f"sigasr: {num_parameters / 1e6:.2f} M parameters, "
        f"{enc.num_layers} layers of width {enc.d_model} with {enc.num_heads} heads, "
        f"{attention.kind} attention with {positions} positions{bias}, a {cfg.model.frontend} "
        f"front-end (4x subsampling of 80-dim fbank at 16 kHz) and {cfg.model.vocab_size} "
        f"output tokens ({cfg.data.token_type} SentencePiece pieces and the CTC blank).",
        "",
        "## Training data",
        "",
        f"Trained on {', '.join(cfg.data.train_sets)} (lhotse manifests from "
        f"`{cfg.data.manifest_dir}`), utterances of {cfg.data.min_utt_duration:g}-"
        f"{cfg.data.max_utt_duration:g} s, in a run of {cfg.train.max_steps} steps. The weights are "
        f"the average of {len(checkpoints)} checkpoint(s): {', '.join(checkpoints)}.",
        "",
        "## Results",
        "",
    ]
    if results:
        lines += ["| set | WER % | errors / words | result file |", "|---|---|---|---|"]
        lines += [
            f"| {r['set']} | {r['wer']} | {r['errors']} / {r['words']} | {r['file']} |"
            for r in results
        ]
        lines += ["", "Greedy CTC decoding (`sigasr decode`), no language model."]
    else:
        lines.append("The experiment had no decode results when this model was exported.")
    lines += [
        "",
        "## How to use",
        "",
        "```bash",
        f"sigasr transcribe --model {name} talk.wav            # a folder or a Hub id",
        f"sigasr transcribe --model {name} --format srt --output subs/ recordings/",
        "```",
        "",
        "```python",
        "from sigasr import CTCModel",
        "",
        f'model = CTCModel.from_pretrained("{name}")  # (B, T, 80) fbank -> (B, T/4, V) log-probs',
        "```",
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
        "| config.yaml | the model config |",
        "| model.safetensors | the weights, with checksums of themselves and of config.yaml |",
        "| tokenizer.model | the SentencePiece model (its ids + 1 are the CTC tokens) |",
        "| tokens.txt | `<piece> <id>` per token, `<blk> 0` first |",
    ]
    return "\n".join(header + [""] + lines) + "\n"
