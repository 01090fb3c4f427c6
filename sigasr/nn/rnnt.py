"""A sigasr encoder as the transcription network of torchaudio's RNN-T.

``torchaudio.models.RNNT`` calls its transcriber as ``transcriber(input=..., lengths=...)``
and expects ``(output, output_lengths)`` with ``output_dim`` features, the size its joiner
takes. :class:`RNNTTranscriber` adapts a :class:`~sigasr.ConformerEncoder` or
:class:`~sigasr.TransformerEncoder` to that, with a linear projection to ``output_dim``.
"""

from __future__ import annotations

from torch import Tensor, nn


class RNNTTranscriber(nn.Module):
    """``encoder`` (d_model features) followed by a projection to ``output_dim``.

    Args:
        encoder: a sigasr encoder, called as ``encoder(features, lengths)``.
        output_dim: the transcriber output size the RNN-T joiner expects.

    Shapes: input (B, T, F), lengths (B,) -> output (B, T', output_dim), lengths (B,).
    """

    def __init__(self, encoder: nn.Module, output_dim: int):
        super().__init__()
        self.encoder = encoder
        self.output_linear = nn.Linear(encoder.d_model, output_dim)

    def forward(self, input: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:  # noqa: A002
        out, out_lengths = self.encoder(input, lengths)
        return self.output_linear(out), out_lengths

    def infer(self, input: Tensor, lengths: Tensor, states=None):  # noqa: A002
        """Streaming inference (``RNNT.transcribe_streaming``) is not supported: the encoder
        attends over the whole utterance. Use ``RNNT.transcribe`` or ``RNNT.forward``."""
        raise NotImplementedError(
            "RNNTTranscriber does not stream: sigasr encoders attend over the whole "
            "utterance; call RNNT.transcribe (or forward) instead of transcribe_streaming"
        )
