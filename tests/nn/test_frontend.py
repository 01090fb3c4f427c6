"""The front-ends subsample long inputs window by window, without autograd, exactly as in
one call."""

import pytest
import torch

from sigasr.nn.frontend import Conv1dSubsampling, Conv2dSubsampling, subsampled_length


@pytest.mark.parametrize("cls", [Conv2dSubsampling, Conv1dSubsampling])
def test_windowed_inference_equals_one_call(cls):
    torch.manual_seed(0)
    frontend = cls(16, 24).eval()
    frontend.inference_window = 7  # output frames; 61 frames give 14 windows and a tail
    x = torch.randn(3, 241, 16)
    lengths = torch.tensor([241, 200, 9])
    one_call, one_lens = frontend.subsample(x, lengths)
    with torch.no_grad():
        windowed, windowed_lens = frontend(x, lengths)
    assert one_call.shape[1] == subsampled_length(241) > 8 * frontend.inference_window
    assert torch.equal(one_lens, windowed_lens)
    torch.testing.assert_close(windowed, one_call.detach(), rtol=1e-5, atol=1e-6)


def test_only_inference_goes_window_by_window():
    frontend = Conv1dSubsampling(16, 24)
    frontend.inference_window = 2
    calls = []
    subsample = frontend.subsample
    frontend.subsample = lambda x, lengths: calls.append(x.size(1)) or subsample(x, lengths)
    x, lengths = torch.randn(1, 101, 16), torch.tensor([101])
    frontend(x, lengths)
    assert calls == [101]  # with autograd: one call over the whole input
    calls.clear()
    with torch.no_grad():
        frontend(x, lengths)
    assert len(calls) == 12 and max(calls) == 4 * 2 + 3
