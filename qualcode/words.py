"""Whole words: a selection made with the mouse widened so that it cuts no word in two.

A coder who drags from the middle of "evening" to the middle of "much" means "evening …
much". The web page widens its selection before sending it, and ``POST /api/codings``
widens what it is sent the same way (``static/transcript.js`` holds the same rule).

A word is a run of letters, digits and combining marks; an apostrophe or a hyphen
between two of them belongs to the word ("don't", "well-being"). White space and other
punctuation are never added: a selection that ends after "much" keeps or leaves out
the full stop as the coder chose.
"""

from __future__ import annotations

import unicodedata

JOINERS = frozenset("'’-‐")


def _letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"


def _in_word(text: str, i: int) -> bool:
    """Is ``text[i]`` part of a word (a letter, or a joiner between two letters)?"""
    ch = text[i]
    if _letter(ch):
        return True
    return ch in JOINERS and 0 < i < len(text) - 1 and _letter(text[i - 1]) and _letter(text[i + 1])


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` widened to the edges of the words it cuts.

    A span outside the text, or empty, is returned as it is for the caller to refuse.

    >>> whole_words("a quiet evening. Not much", 9, 24)
    (8, 25)
    """
    if not 0 <= start < end <= len(text):
        return start, end
    while start > 0 and _in_word(text, start - 1) and _in_word(text, start):
        start -= 1
    while end < len(text) and _in_word(text, end - 1) and _in_word(text, end):
        end += 1
    return start, end
