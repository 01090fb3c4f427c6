"""WER scoring with jiwer, reported and written the way icefall does.

For a set named ``S`` decoded by the model ``T`` (:func:`model_tag`: ``step-<N>-avg-<K>``,
the newest averaged checkpoint's step and how many were averaged), :func:`write_results`
writes under a decode directory

- ``recogs-S-T.txt``: per utterance, its reference and hypothesis;
- ``errs-S-T.txt``: the totals, every utterance's word alignment (``(ref->hyp)`` for a
  substitution, ``(ref->*)`` deletion, ``(*->hyp)`` insertion), then substitution, deletion
  and insertion counts per word, most frequent first;
- ``wer-summary-S-T.txt``: the one-line result that :func:`wer_line` formats.

Results of different models therefore sit side by side; :func:`newest_results` finds, per
set, those of the newest model.

Texts are compared upper-cased with whitespace collapsed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jiwer

from sigasr.atomic import atomic_write_text


def normalize(text: str) -> str:
    return " ".join(text.upper().split())


@dataclass
class WerStats:
    """Error counts over a set of utterances."""

    insertions: int = 0
    deletions: int = 0
    substitutions: int = 0
    ref_words: int = 0

    @property
    def errors(self) -> int:
        return self.insertions + self.deletions + self.substitutions

    @property
    def wer(self) -> float:
        """Word error rate in percent (errors over reference words)."""
        return 100.0 * self.errors / max(self.ref_words, 1)


@dataclass
class UtteranceAlignment:
    """One utterance's word alignment: ``pairs`` of (ref word or None, hyp word or None)."""

    cut_id: str
    ref: list[str]
    hyp: list[str]
    pairs: list[tuple[str | None, str | None]]

    @property
    def errors(self) -> int:
        """Substitutions, deletions and insertions."""
        return sum(r != h for r, h in self.pairs)


@dataclass
class ScoredSet:
    stats: WerStats = field(default_factory=WerStats)
    utterances: list[UtteranceAlignment] = field(default_factory=list)


def align(cut_id: str, ref_text: str, hyp_text: str) -> UtteranceAlignment:
    """The minimum-edit word alignment of one normalized reference and hypothesis."""
    ref, hyp = normalize(ref_text).split(), normalize(hyp_text).split()
    if not ref:
        return UtteranceAlignment(cut_id, ref, hyp, [(None, h) for h in hyp])
    if not hyp:
        return UtteranceAlignment(cut_id, ref, hyp, [(r, None) for r in ref])
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    pairs: list[tuple[str | None, str | None]] = []
    for chunk in out.alignments[0]:
        r = ref[chunk.ref_start_idx : chunk.ref_end_idx]
        h = hyp[chunk.hyp_start_idx : chunk.hyp_end_idx]
        if chunk.type in ("equal", "substitute"):
            pairs.extend(zip(r, h, strict=True))
        elif chunk.type == "delete":
            pairs.extend((w, None) for w in r)
        else:
            pairs.extend((None, w) for w in h)
    return UtteranceAlignment(cut_id, ref, hyp, pairs)


def score(cut_ids: list[str], refs: list[str], hyps: list[str]) -> ScoredSet:
    """Aligns every utterance and sums the errors."""
    scored = ScoredSet()
    for cut_id, ref, hyp in zip(cut_ids, refs, hyps, strict=True):
        utt = align(cut_id, ref, hyp)
        scored.utterances.append(utt)
        scored.stats.ref_words += len(utt.ref)
        for r, h in utt.pairs:
            if r is None:
                scored.stats.insertions += 1
            elif h is None:
                scored.stats.deletions += 1
            elif r != h:
                scored.stats.substitutions += 1
    return scored


def wer_line(set_name: str, stats: WerStats) -> str:
    """``[test-clean] %WER 2.03% [1067 / 52576, 120 ins, 98 del, 849 sub ]``."""
    return (
        f"[{set_name}] %WER {stats.wer:.2f}% [{stats.errors} / {stats.ref_words}, "
        f"{stats.insertions} ins, {stats.deletions} del, {stats.substitutions} sub ]"
    )


def _alignment_text(utt: UtteranceAlignment) -> str:
    words = []
    for r, h in utt.pairs:
        if r == h:
            words.append(r)
        else:
            words.append(f"({r or '*'}->{h or '*'})")
    return " ".join(words)


def _errs_text(set_name: str, scored: ScoredSet) -> str:
    s = scored.stats
    subs, dels, ins = Counter(), Counter(), Counter()
    for utt in scored.utterances:
        for r, h in utt.pairs:
            if r is None:
                ins[h] += 1
            elif h is None:
                dels[r] += 1
            elif r != h:
                subs[f"{r} -> {h}"] += 1
    lines = [
        wer_line(set_name, s),
        f"Errors: {s.insertions} insertions, {s.deletions} deletions, "
        f"{s.substitutions} substitutions, over {s.ref_words} reference words",
        "",
        "PER-UTT DETAILS: corr or (ref->hyp)",
    ]
    lines += [f"{utt.cut_id}:\t{_alignment_text(utt)}" for utt in scored.utterances]
    for title, counter in (("SUBSTITUTIONS", subs), ("DELETIONS", dels), ("INSERTIONS", ins)):
        lines += ["", f"{title}: count word"]
        lines += [f"{n}   {w}" for w, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "\n".join(lines) + "\n"


def _recogs_text(scored: ScoredSet) -> str:
    lines = []
    for utt in scored.utterances:
        lines.append(f"{utt.cut_id}:\tref={' '.join(utt.ref)}")
        lines.append(f"{utt.cut_id}:\thyp={' '.join(utt.hyp)}")
    return "\n".join(lines) + "\n"


RESULT_KINDS = ("recogs", "errs", "wer-summary")
_RESULT_NAME = re.compile(
    r"^(?P<kind>recogs|errs|wer-summary)-(?P<set>.+)-step-(?P<step>\d+)-avg-(?P<avg>\d+)\.txt$"
)


def model_tag(step: int, avg: int) -> str:
    """Names the model that decoded: the newest averaged checkpoint's step and the count."""
    return f"step-{step}-avg-{avg}"


def newest_results(decode_dir: str | Path, kind: str) -> dict[str, Path]:
    """Set name -> its ``kind`` result file (one of :data:`RESULT_KINDS`) of the newest model:
    the highest step, then the most checkpoints averaged."""
    found: dict[str, tuple[tuple[int, int], Path]] = {}
    for path in Path(decode_dir).glob(f"{kind}-*.txt"):
        match = _RESULT_NAME.match(path.name)
        if match is None or match["kind"] != kind:
            continue
        rank = (int(match["step"]), int(match["avg"]))
        if match["set"] not in found or rank > found[match["set"]][0]:
            found[match["set"]] = (rank, path)
    return {name: path for name, (_, path) in sorted(found.items())}


def write_results(decode_dir: str | Path, set_name: str, scored: ScoredSet, tag: str) -> list[Path]:
    """Writes the three result files of ``set_name`` decoded by the model ``tag``
    (:func:`model_tag`); each appears complete or not at all."""
    decode_dir = Path(decode_dir)
    decode_dir.mkdir(parents=True, exist_ok=True)
    contents = {
        f"recogs-{set_name}-{tag}.txt": _recogs_text(scored),
        f"errs-{set_name}-{tag}.txt": _errs_text(set_name, scored),
        f"wer-summary-{set_name}-{tag}.txt": wer_line(set_name, scored.stats) + "\n",
    }
    written = []
    for name, text in contents.items():
        path = decode_dir / name
        written.append(atomic_write_text(path, text))
    return written
