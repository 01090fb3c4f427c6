"""What flash_sigmoid_attn accepts besides the kernels' own inputs: float64 on the CPU
reference (so that users can gradcheck), and lengths as a Python list."""

import pytest
import torch

import flashsigmoid


def test_float64_on_the_cpu_reference_gradchecks():
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 6, 2, 4, generator=gen, dtype=torch.float64) for _ in range(3))
    bias = torch.randn(2, dtype=torch.float64, generator=gen)
    inputs = [t.requires_grad_() for t in (q, k, v, bias)]

    def attn(q, k, v, bias):
        return flashsigmoid.flash_sigmoid_attn(q, k, v, seq_lens=[6, 4], bias=bias, causal=True)

    assert attn(*inputs).dtype == torch.float64
    assert torch.autograd.gradcheck(attn, inputs)


def test_the_kernels_refuse_float64_by_name(interpret):
    q = torch.randn(1, 8, 2, 16, dtype=torch.float64)
    with pytest.raises(ValueError, match="on the kernels .*got torch.float64"):
        flashsigmoid.flash_sigmoid_attn(q, q, q)


def test_lengths_as_a_list_equal_lengths_as_a_tensor():
    q, k, v = (torch.randn(3, 9, 2, 8) for _ in range(3))
    listed = flashsigmoid.flash_sigmoid_attn(q, k, v, seq_lens=[9, 4, 1], bias="log_n")
    tensor = flashsigmoid.flash_sigmoid_attn(
        q, k, v, seq_lens=torch.tensor([9, 4, 1]), bias="log_n"
    )
    assert torch.equal(listed, tensor)


@pytest.mark.parametrize("lengths", [[9, 4], [9, 4, 0], [9, 4, 10], [9, 4, 2.5]], ids=str)
def test_bad_length_lists_are_refused(lengths):
    q = torch.randn(3, 9, 2, 8)
    with pytest.raises(ValueError, match=r"seq_lens: 3 ints in \[1, N = 9\]"):
        flashsigmoid.flash_sigmoid_attn(q, q, q, seq_lens=lengths)


def test_a_length_tensor_of_the_wrong_shape_is_refused():
    q = torch.randn(3, 9, 2, 8)
    with pytest.raises(ValueError, match=r"seq_lens: shape \(B,\) = \(3,\), got \(2,\)"):
        flashsigmoid.flash_sigmoid_attn(q, q, q, seq_lens=torch.tensor([9, 4]))
