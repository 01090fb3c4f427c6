"""The training progress bar: loss, learning rate, audio seconds per second, GPU busy and ETA."""

from __future__ import annotations

from collections import deque

from tqdm import tqdm


class TrainProgress:
    """A tqdm bar over optimizer steps, from ``start_step`` to ``max_steps``.

    tqdm supplies the step rate and the ETA; :meth:`update` adds the loss, the LR, the audio
    throughput (seconds of training audio, all processes together, per second of the last
    ``window`` steps' own time: loading, forward, backward and update, not validation or
    checkpoints, and not the slow first steps once ``window`` more have run) and, on a GPU,
    how busy it is (:class:`sigasr.train.gpu_busy.GpuBusy`, over as many steps).
    """

    def __init__(self, start_step: int, max_steps: int, enabled: bool = True, window: int = 50):
        self.bar = tqdm(
            total=max_steps,
            initial=start_step,
            desc="train",
            unit="step",
            disable=not enabled,
            dynamic_ncols=True,
            mininterval=1.0,
        )
        self._steps: deque[tuple[float, float]] = deque(maxlen=window)

    def update(
        self,
        loss: float,
        lr: float,
        audio_seconds: float,
        step_seconds: float,
        gpu_busy: float | None = None,
    ) -> None:
        """One optimizer step: its loss, LR, audio seconds (all processes) and own time."""
        self._steps.append((audio_seconds, step_seconds))
        audio = sum(a for a, _ in self._steps)
        elapsed = sum(t for _, t in self._steps)
        fields = {
            "loss": f"{loss:.3f}",
            "lr": f"{lr:.2e}",
            "audio_s_per_s": f"{audio / max(elapsed, 1e-9):.0f}",
        }
        if gpu_busy is not None:
            fields["gpu_busy"] = f"{gpu_busy:.0f}%"
        self.bar.set_postfix(fields, refresh=False)
        self.bar.update(1)

    def write(self, message: str) -> None:
        self.bar.write(message)

    def close(self) -> None:
        self.bar.close()
