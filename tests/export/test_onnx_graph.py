"""The exported graph against PyTorch: padded batches, any length, the three export traps."""

import pytest
import torch
from omegaconf import OmegaConf

from sigasr.config import ModelConfig
from sigasr.export.onnx import INPUT_NAMES, OUTPUT_NAMES, export_onnx
from sigasr.model import CTCModel

# the `export` extra (pip install -e '.[export]'); a machine without it skips this module
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

# onnxruntime against the PyTorch reference, float32 both: observed max |difference| of the
# log-probabilities is ~1e-5 (ALiBi, RoPE, both front-ends); the bound leaves 10x.
ATOL = 1e-4


def tiny_model(seed: int = 0, frontend="conv1d", type="conformer", **attention) -> CTCModel:
    """A 2-layer model with random weights; ``attention``: AttentionConfig fields."""
    enc = dict(type=type, d_model=32, num_layers=2, num_heads=2, ffn_dim=64, conv_kernel=3)
    options = {**enc, "dropout": 0.0, "attention": attention}
    cfg = OmegaConf.merge(
        OmegaConf.structured(ModelConfig),
        {"vocab_size": 30, "frontend": frontend, "encoder": options},
    )
    torch.manual_seed(seed)
    return CTCModel(cfg).eval()


def run_onnx(path, features, lengths):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = session.run(None, {"x": features.numpy(), "x_lens": lengths.numpy()})
    return torch.from_numpy(out[0]), torch.from_numpy(out[1])


def assert_matches(model, path, features, lengths):
    with torch.no_grad():
        ref, ref_lens = model(features, lengths)
    got, got_lens = run_onnx(path, features, lengths)
    assert got_lens.dtype == torch.int64 and torch.equal(got_lens, ref_lens)
    assert got.shape == ref.shape
    for b, n in enumerate(ref_lens.tolist()):  # padded output frames are not specified
        torch.testing.assert_close(got[b, :n], ref[b, :n], atol=ATOL, rtol=0)


def padded_batch(lengths: list[int], seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    features = torch.randn(len(lengths), max(lengths), 80, generator=g)
    return features, torch.tensor(lengths)


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [
        dict(type="conformer", pos="alibi", frontend="conv2d"),
        dict(type="conformer", pos="rope", frontend="conv1d"),
        dict(type="transformer", pos="alibi", frontend="conv1d", sigmoid_bias="learnable"),
    ],
    ids=["conformer-alibi-conv2d", "conformer-rope-conv1d", "transformer-alibi-learnable"],
)
def test_onnxruntime_matches_pytorch_on_padded_batches(options, tmp_path):
    model = tiny_model(**options)
    path = export_onnx(model, tmp_path / "model.onnx")
    graph = onnx.load(str(path)).graph
    assert [i.name for i in graph.input] == list(INPUT_NAMES)
    assert [o.name for o in graph.output] == list(OUTPUT_NAMES)
    # dynamic batch and time; the vocabulary is static (sherpa-onnx reads it from the shape)
    x_dims = graph.input[0].type.tensor_type.shape.dim
    assert x_dims[0].dim_param and x_dims[1].dim_param and x_dims[2].dim_value == 80
    assert graph.output[0].type.tensor_type.shape.dim[2].dim_value == 30
    for lengths in ([523, 400, 9], [61], [1700, 1699, 1200, 64]):
        assert_matches(model, path, *padded_batch(lengths))


def test_a_sequence_does_not_depend_on_its_batch_mates(tmp_path):
    model = tiny_model()
    path = export_onnx(model, tmp_path / "model.onnx")
    features, lengths = padded_batch([300, 120])
    batch, _ = run_onnx(path, features, lengths)
    alone, alone_lens = run_onnx(path, features[1:, :120].contiguous(), lengths[1:])
    n = int(alone_lens[0])
    torch.testing.assert_close(batch[1, :n], alone[0, :n], atol=ATOL, rtol=0)


def custom_ops(path) -> set[str]:
    """The ops of the graph outside the standard ONNX domain (a Triton op would be one)."""
    model = onnx.load(str(path))
    nodes = list(model.graph.node) + [n for f in model.functions for n in f.node]
    return {f"{n.domain}::{n.op_type}" for n in nodes if n.domain not in ("", "ai.onnx")}


def plain_export(model, features, lengths, path) -> None:
    """torch.onnx.export as a third-party developer writes it: dynamo, batch and time dynamic."""
    batch, time = torch.export.Dim("batch"), torch.export.Dim("time", min=7)
    program = torch.onnx.export(
        model,
        (features, lengths),
        dynamo=True,
        input_names=list(INPUT_NAMES),
        output_names=list(OUTPUT_NAMES),
        dynamic_shapes={"features": {0: batch, 1: time}, "feature_lens": {0: batch}},
    )
    program.save(str(path))


def test_export_takes_the_reference_where_the_triton_op_would_run(tmp_path, monkeypatch):
    """With TRITON_INTERPRET=1, CPU tensors go through the Triton op (the path a CUDA model
    takes): a plain torch.onnx.export, as a third-party developer writes it, still gives a
    graph of standard ONNX ops only."""
    model = tiny_model(pos="rope")
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    features, lengths = padded_batch([200, 150])
    plain_export(model, features, lengths, tmp_path / "model.onnx")
    monkeypatch.delenv("TRITON_INTERPRET")
    assert custom_ops(tmp_path / "model.onnx") == set()
    assert_matches(model, tmp_path / "model.onnx", *padded_batch([333, 90]))


@pytest.mark.slow
def test_export_from_a_long_example_without_autograd_runs_on_short_inputs(tmp_path):
    """The example is longer than the front-end's inference window and autograd is off (the
    windowed path); the graph must neither fail to export nor keep the example's length."""
    model = tiny_model(frontend="conv2d")
    window = model.encoder.frontend.inference_window
    features, lengths = padded_batch([4 * window + 500, 4 * window])
    with torch.inference_mode():
        plain_export(model, features, lengths, tmp_path / "model.onnx")
    assert_matches(model, tmp_path / "model.onnx", *padded_batch([250, 31, 7]))


@pytest.mark.gpu
def test_export_from_a_model_on_the_gpu(tmp_path):
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    model = tiny_model(pos="alibi")
    path = export_onnx(model.cuda(), tmp_path / "model.onnx")
    assert next(model.parameters()).is_cuda  # the export worked on a copy
    assert custom_ops(path) == set()
    assert_matches(model.cpu(), path, *padded_batch([400, 123]))
