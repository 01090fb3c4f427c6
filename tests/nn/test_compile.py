"""torch.compile of the encoders: the whole encoder as one graph, or each layer in place.

The aot_eager backend traces forward and backward as inductor would, without generating
code; on the GPU the FlashSigmoid custom op traces the same way (tests/kernels)."""

import pytest
import torch
from torch._dynamo.utils import counters

from sigasr import AttentionConfig


@pytest.mark.parametrize("kind", ["conformer", "transformer"])
@pytest.mark.parametrize("pos", ["alibi", "rope"])
def test_whole_encoder_traces_as_one_graph(make_encoder, kind, pos):
    """fullgraph=True, as users compile their own models: the eager length check (a host
    sync) is left out of the graph and nothing else breaks it."""
    torch._dynamo.reset()
    encoder = make_encoder(kind, attention=AttentionConfig(pos=pos)).eval()
    x, lengths = torch.randn(2, 64, 20), torch.tensor([64, 41])
    compiled = torch.compile(encoder, fullgraph=True, backend="aot_eager")
    with torch.no_grad():
        want, want_lens = encoder(x, lengths)
        got, got_lens = compiled(x, lengths)
    torch.testing.assert_close(got, want)
    assert torch.equal(got_lens, want_lens)


@pytest.mark.parametrize("kind", ["conformer", "transformer"])
def test_compiled_layers_share_one_graph(make_encoder, kind):
    """compile_layers (train.compile=true): every layer runs one compiled graph, the state
    dict keeps its names, and outputs and gradients match the eager encoder."""
    torch._dynamo.reset()
    counters.clear()
    eager = make_encoder(kind, num_layers=4).eval()
    compiled = make_encoder(kind, num_layers=4).eval()
    compiled.compile_layers(backend="aot_eager")
    assert list(compiled.state_dict()) == list(eager.state_dict())
    for frames in (64, 64, 64):
        x, lengths = torch.randn(2, frames, 20), torch.tensor([frames, frames - 20])
        want, _ = eager(x, lengths)
        got, _ = compiled(x, lengths)
        torch.testing.assert_close(got, want)
        want.square().sum().backward()
        got.square().sum().backward()
    assert counters["stats"]["unique_graphs"] == 1  # 4 layers x 3 calls, one graph
    # Eager calls run the blocked CPU attention, the graph the reference: float32 sums in
    # another order. The two agree to 1e-11 in float64; in float32 either one's front-end
    # gradients are up to 0.8 % (norm-relative) off float64's, this loss being ill-conditioned.
    for (name, p), q in zip(eager.named_parameters(), compiled.parameters(), strict=True):
        assert _rel(q.grad, p.grad) < 2e-2, name


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_compiled_layers_run_flashsigmoid_on_the_gpu(make_encoder):
    """train.compile's path on the GPU: inductor compiles each layer around the FlashSigmoid
    custom op (bf16 autocast, padded batch); outputs and gradients match eager calls.
    Training mode without dropout: the two encoders would draw different masks."""
    torch._dynamo.reset()
    eager = make_encoder("conformer", d_model=128, num_heads=2, dropout=0.0).cuda()
    compiled = make_encoder("conformer", d_model=128, num_heads=2, dropout=0.0).cuda()
    compiled.compile_layers()
    x = torch.randn(3, 300, 20, device="cuda")
    lengths = torch.tensor([300, 211, 97], device="cuda")
    outs = []
    for encoder in (eager, compiled):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            out, _ = encoder(x, lengths)
        out.float().square().sum().backward()
        outs.append(out.float())
    # bf16: inductor's fused kernels round in another order. Norm-relative errors measured
    # (2026-11-27, H100): output 0.03 off at most (of 3.6), gradients up to 0.2 % (final norm).
    assert _rel(outs[1], outs[0]) < 1e-2
    for (name, p), q in zip(eager.named_parameters(), compiled.parameters(), strict=True):
        assert torch.isfinite(q.grad).all(), name
        assert _rel(q.grad, p.grad) < 2e-2, name


def _rel(got, want):
    return ((got - want).norm() / want.norm().clamp_min(1e-12)).item()
