"""The training progress bar: loss, learning rate, audio seconds per second, GPU busy and ETA."""

from __future__ import annotations

import time

from tqdm import tqdm


class TrainProgress:
    """A tqdm bar over optimizer steps, from ``start_step`` to ``max_steps``.

    tqdm supplies the step rate and the ETA; :meth:`update` adds the loss, the LR, the audio
    throughput (seconds of training audio, all processes together, per wall-clock second since
    the bar started) and, on a GPU, how busy it is (:class:`sigasr.train.gpu_busy.GpuBusy`).
    """

    def __init__(self, start_step: int, max_steps: int, enabled: bool = True):
        self.bar = tqdm(
            total=max_steps,
            initial=start_step,
            desc="train",
            unit="step",
            disable=not enabled,
            dynamic_ncols=True,
            mininterval=1.0,
        )
        self._audio_seconds = 0.0
        self._since = time.perf_counter()

    def update(
        self, loss: float, lr: float, audio_seconds: float, gpu_busy: float | None = None
    ) -> None:
        self._audio_seconds += audio_seconds
        elapsed = time.perf_counter() - self._since
        fields = {
            "loss": f"{loss:.3f}",
            "lr": f"{lr:.2e}",
            "audio_s_per_s": f"{self._audio_seconds / max(elapsed, 1e-9):.0f}",
        }
        if gpu_busy is not None:
            fields["gpu_busy"] = f"{gpu_busy:.0f}%"
        self.bar.set_postfix(fields, refresh=False)
        self.bar.update(1)

    def write(self, message: str) -> None:
        self.bar.write(message)

    def close(self) -> None:
        self.bar.close()
