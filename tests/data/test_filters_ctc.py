"""The CTC feasibility count used by the training filter."""

import torch
import torch.nn.functional as F

from sigasr.data.filters import ctc_min_frames


def test_repeats_need_a_blank_between_them():
    assert ctc_min_frames([]) == 0
    assert ctc_min_frames([3, 4, 5]) == 3
    assert ctc_min_frames([3, 3, 4, 4, 4]) == 8


def test_the_count_is_exactly_what_ctc_needs():
    for tokens in ([1, 2, 3], [2, 2, 3, 3], [5, 5, 5]):
        need = ctc_min_frames(tokens)
        for frames, finite in ((need, True), (need - 1, False)):
            log_probs = torch.randn(frames, 1, 6).log_softmax(-1)
            loss = F.ctc_loss(log_probs, torch.tensor([tokens]), [frames], [len(tokens)])
            assert torch.isfinite(loss).item() is finite
