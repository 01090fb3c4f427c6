"""The sigmoid bias options of the attention module, -log n being the default."""

import math

import torch

import flashsigmoid
from sigasr.config import AttentionConfig
from sigasr.nn import MultiHeadSelfAttention


def manual_sigmoid_attention(module, x, n, bias):
    q, k, v = module.qkv(x[:, :n]).view(1, n, 3, module.num_heads, -1).unbind(2)
    out = flashsigmoid.sigmoid_attn_reference(
        q, k, v, bias=bias, alibi_slopes=module.alibi_slopes, scale=module.head_dim**-0.5
    )
    return module.out(out.reshape(1, n, -1))


def test_default_bias_is_minus_log_n():
    torch.manual_seed(0)
    module = MultiHeadSelfAttention(16, 2).eval()
    assert module.config.sigmoid_bias == "log_n"
    x = torch.randn(1, 12, 16)
    for n in (12, 5):
        got = module(x, torch.tensor([n]))[:, :n]
        want = manual_sigmoid_attention(module, x, n, bias=-math.log(n))
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
        wrong = manual_sigmoid_attention(module, x, n, bias=0.0)
        assert (got - wrong).abs().max() > 1e-3


def test_const_and_learnable_bias():
    torch.manual_seed(0)
    x = torch.randn(1, 8, 16)
    const = MultiHeadSelfAttention(
        16, 2, AttentionConfig(sigmoid_bias="const", sigmoid_bias_value=-2.0)
    )
    got = const(x, torch.tensor([8]))
    torch.testing.assert_close(got, manual_sigmoid_attention(const, x, 8, -2.0))
    learn = MultiHeadSelfAttention(
        16, 2, AttentionConfig(sigmoid_bias="learnable", sigmoid_bias_value=-2.0)
    )
    assert learn.bias.shape == (2,) and torch.all(learn.bias == -2.0)
    learn(x, torch.tensor([8])).sum().backward()
    assert learn.bias.grad is not None and learn.bias.grad.abs().sum() > 0
