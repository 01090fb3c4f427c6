"""Batches by duration: shortest first, within the padded-seconds budget and memory."""

from pathlib import Path

from sigasr.transcribe.batching import plan_batches
from sigasr.transcribe.inputs import AudioSource


def _sources(durations):
    return [
        AudioSource(f"f{i}", f"f{i}", d, path=Path(f"f{i}.wav")) for i, d in enumerate(durations)
    ]


def test_batches_sorted_within_budget_long_and_unknown_alone():
    durations = [5.0, 1.0, 30.0, 2.0, 2.5, None, 4.0, 500.0]
    sources = _sources(durations)
    batches = plan_batches(
        sources, max_batch_seconds=10.0, max_one_pass_seconds=100.0, fits=lambda b, s: True
    )
    assert sorted(i for b in batches for i in b) == list(range(len(durations)))
    for batch in batches:
        longest = max(durations[i] or 0 for i in batch)
        assert len(batch) == 1 or len(batch) * longest <= 10.0
    assert batches[0] == [1, 3, 4]  # 1.0, 2.0, 2.5: 3 x 2.5 s padded
    assert [5] in batches and [7] in batches  # unknown duration, too long for one pass
    assert [2] in batches  # 30 s exceeds the budget alone, still transcribed


def test_memory_limits_the_batch_size():
    sources = _sources([1.0] * 7)
    batches = plan_batches(sources, 1000.0, 100.0, fits=lambda batch, seconds: batch <= 3)
    assert [len(b) for b in batches] == [3, 3, 1]


def test_a_batch_transcribes_as_each_file_alone(exported, speech):
    import torch

    from sigasr.data.tokenizer import Tokenizer
    from sigasr.model import CTCModel
    from sigasr.transcribe.transcriber import Transcriber, word_start_ids

    _, model_dir = exported
    transcriber = Transcriber(
        CTCModel.from_pretrained(model_dir),
        Tokenizer(model_dir),
        torch.device("cpu"),
        max_one_pass_seconds=60,
        word_starts=word_start_ids(model_dir / "tokens.txt"),
    )
    prepared = [transcriber.prepare(s) for s in _sources_of(speech)]
    batched = transcriber.transcribe_prepared(prepared)
    alone = [transcriber.transcribe_prepared([p])[0] for p in prepared]
    assert len({p.features.size(0) for p in prepared}) == len(prepared)  # padding happens
    assert [t.text for t in batched] == [t.text for t in alone]
    assert [[w.word for w in t.words] for t in batched] == [
        [w.word for w in t.words] for t in alone
    ]


def _sources_of(paths):
    return [AudioSource(str(p), p.stem, None, path=p) for p in paths]
