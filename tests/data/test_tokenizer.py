"""The warning for subword vocabularies that are close to the corpus's whole words."""

from sigasr.data.tokenizer import WORDS_PER_PIECE_MIN, word_level_warning


def test_pieces_close_to_whole_words_are_warned_about(tmp_path):
    transcripts = tmp_path / "transcripts.txt"
    words = [f"W{i}" for i in range(400)]
    transcripts.write_text("\n".join(" ".join(words[i : i + 10]) for i in range(0, 400, 10)))
    limit = 400 // WORDS_PER_PIECE_MIN
    warning = word_level_warning(transcripts, limit + 1, "bpe")
    assert warning and "400 distinct training words" in warning
    assert f"at most {limit} pieces" in warning
    assert word_level_warning(transcripts, limit, "unigram") is None
    assert word_level_warning(transcripts, 500, "char") is None
