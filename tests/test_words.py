"""Selections widened to whole words (qualcode.words; the page's script keeps the same rule)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qualcode.words import whole_words

EVENING = "Thanks for coming out on such a hot evening. So the idea tonight is we draw a map of all"


def cut(text: str, start: int, end: int) -> str:
    return text[slice(*whole_words(text, start, end))]


def test_words_selection_from_inside_a_word_to_inside_another_takes_both_whole():
    start = EVENING.index("vening.")
    end = EVENING.index("draw a m") + len("draw a m")
    assert EVENING[start:end] == "vening. So the idea tonight is we draw a m"  # as dragged
    assert cut(EVENING, start, end) == "evening. So the idea tonight is we draw a map"


@pytest.mark.parametrize(
    ("text", "dragged", "meant"),
    [
        ("We don't know.", "n't kn", "don't know"),
        ("It helps well-being here.", "ll-bei", "well-being"),
        ("It helps well - being here.", "ll - bei", "well - being"),
        ("Café Noël opened.", "fé No", "Café Noël"),
        ("a caf\u00e9\u0301 too", "af\u00e9", "caf\u00e9\u0301"),  # a combining mark
        ("the 2,000 homes", "000 ho", "000 homes"),  # a comma is punctuation, not a joiner
        ("[laughter] Right.", "ughter] Ri", "laughter] Right"),
        ("Yes.  No.", "s.  N", "Yes.  No"),
        ("会議は良かった", "議は", "会議は良かった"),  # no spaces: the run of letters
    ],
)
def test_words_widen_to_the_edges_of_cut_words(text, dragged, meant):
    start = text.index(dragged)
    assert cut(text, start, start + len(dragged)) == meant


def test_words_selection_on_word_edges_and_punctuation_is_kept_as_chosen():
    text = "It went well. Really well!"
    assert cut(text, 3, 12) == "went well"
    assert cut(text, 3, 13) == "went well."  # the full stop stays when chosen
    assert cut(text, 2, 14) == " went well. "  # white space is trimmed where codings are made


def test_words_leave_a_span_outside_the_text_for_the_caller_to_refuse():
    assert whole_words("short", 3, 99) == (3, 99)
    assert whole_words("short", 4, 2) == (4, 2)
    assert whole_words("short", -1, 2) == (-1, 2)


@given(st.text(alphabet="ab '-.\n", max_size=40), st.data())
def test_words_never_narrow_and_never_cut_a_word(text, data):
    if len(text) < 1:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    a, b = whole_words(text, start, end)
    assert a <= start and b >= end
    assert whole_words(text, a, b) == (a, b)  # already whole
    joined = {"'", "-"}
    if a > 0:
        assert not (text[a - 1].isalpha() and text[a].isalpha())
        assert not (text[a] in joined and text[a - 1].isalpha() and a + 1 < len(text)
                    and text[a + 1].isalpha())  # fmt: skip
    if b < len(text):
        assert not (text[b - 1].isalpha() and text[b].isalpha())
