"""`sigasr bench training`: what it counts as attention in the profiled GPU time, and its
refusal without a GPU (the timed rows themselves run through the device)."""

import pytest
import torch

from sigasr.benchmarks.training import main, recipe_batch, split_kernel_time

KERNELS = [
    ("_forward_kernel", 14.0),  # FlashSigmoid (Triton names kernels by function)
    ("_backward_kernel", 36.0),
    ("_rope_kernel", 5.0),
    ("cudnn_generated_fort_native_sdpa_sm90_flash_bprop_wgmma_f16_knob_26", 100.0),
    ("fmha_cutlassF_bf16_aligned_64x64_rf_sm80(PyTorchMemEffAttention::AttentionKernel)", 20.0),
    ("void at::native::(anonymous namespace)::conv_depthwise2d_forward_kernel<float>", 60.0),
    ("nvjet_sm90_tst_64x128_64x8_2x1_v_bz_NTN", 25.0),
]


def test_attention_kernels_are_told_from_the_rest():
    total, attention = split_kernel_time(KERNELS)
    assert total == pytest.approx(260e-6)
    # The depthwise convolution's "_forward_kernel" suffix is not FlashSigmoid's kernel.
    assert attention == pytest.approx(175e-6)
    assert split_kernel_time([]) == (0.0, 0.0)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal without a GPU")
def test_refuses_without_a_gpu(capsys):
    assert main([]) == 2
    assert "needs a CUDA GPU" in capsys.readouterr().out


def test_default_batch_fills_the_recipe_budget():
    assert recipe_batch(1000.0, 15.0) == 66  # conformer_ctc_100m.yaml: 66 x 15 s <= 1000 s
    assert recipe_batch(60.0, 15.0) == 4
    assert recipe_batch(10.0, 15.0) == 1  # one utterance longer than the budget still runs
