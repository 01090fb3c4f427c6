"""`sigasr export`: an experiment's (averaged) checkpoints as a model directory.

The directory holds ``config.yaml`` and ``model.safetensors`` (``CTCModel.save_pretrained``),
the tokenizer's ``tokenizer.model`` and ``tokens.txt``, and a ``README.md`` model card
(:mod:`sigasr.model_card`): everything ``sigasr transcribe --model`` and
``CTCModel.from_pretrained`` need, laid out as a Hugging Face Hub model repository. With
``--format onnx`` it also holds ``model.onnx`` and ``model.int8.onnx``
(:mod:`sigasr.export.onnx`), which onnxruntime and sherpa-onnx run with ``tokens.txt``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

TOKENIZER_FILES = ("tokenizer.model", "tokens.txt")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export",
        help="Export an experiment's (averaged) checkpoint as a model directory.",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    p.add_argument("--exp-dir", required=True, help="an experiment directory from sigasr train")
    p.add_argument("--avg", type=int, help="average the last K checkpoints (default: config)")
    p.add_argument("--out", required=True, help="the model directory to create")
    p.add_argument(
        "--format",
        choices=("safetensors", "onnx"),
        default="safetensors",
        help="onnx: also write model.onnx and its int8 copy model.int8.onnx "
        "(onnxruntime, sherpa-onnx)",
    )
    p.set_defaults(func=export)


def export(args) -> int:
    from sigasr.atomic import atomic_path
    from sigasr.checkpoints.averaging import averaged_model_state
    from sigasr.checkpoints.store import checkpoint_step
    from sigasr.config import load_config
    from sigasr.decode.scoring import model_tag
    from sigasr.model import CTCModel, load_state_checked
    from sigasr.model_card import decode_results, model_card

    exp_dir, out = Path(args.exp_dir), Path(args.out)
    config_path = exp_dir / "config.yaml"
    if not config_path.is_file():
        raise FileNotFoundError(f"{config_path}: missing (is {exp_dir} a sigasr train exp dir?)")
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out}: exists and is not empty; choose another --out")
    cfg = load_config(config_path)
    for name in TOKENIZER_FILES:
        if not (Path(cfg.data.lang_dir) / name).is_file():
            raise FileNotFoundError(
                f"{Path(cfg.data.lang_dir) / name}: the experiment's tokenizer is missing"
            )
    state, used = averaged_model_state(exp_dir, args.avg or cfg.decode.avg)
    model = CTCModel(cfg.model)
    load_state_checked(model, state, used[-1])
    card = model_card(
        out.resolve().name,
        cfg,
        model.num_parameters(),
        [p.name for p in used],
        decode_results(exp_dir, model_tag(checkpoint_step(used[-1]), len(used))),
    )
    with atomic_path(out) as staging:  # an interrupted export leaves no model dir
        model.save_pretrained(staging)
        for name in TOKENIZER_FILES:
            shutil.copyfile(Path(cfg.data.lang_dir) / name, staging / name)
        (staging / "README.md").write_text(card)
        if args.format == "onnx":
            from sigasr.export.onnx import export_onnx_files

            export_onnx_files(model, staging)
    print(
        f"exported the average of {len(used)} checkpoint(s) "
        f"({', '.join(p.name for p in used)}), {model.num_parameters() / 1e6:.2f} M parameters, "
        f"to {out}"
    )
    return 0
