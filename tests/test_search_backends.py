"""Search on each backend: SQLite's FTS5 and PostgreSQL's own full-text search (the
tests marked `postgres` run against the server tests/postgres.py starts) find the same
segments for words, a phrase and a prefix, count them, page through them best first and
mark the words found."""

from __future__ import annotations

import re

import pytest

from qualcode import queries
from qualcode.search import CLOSE, OPEN, pg_query, search


def holding(project, test) -> set[int]:
    """The ids of the segments whose words pass ``test`` (a list of lower-case words)."""
    found = set()
    for doc in queries.documents(project).itertuples():
        for seg in queries.segments(project, doc.name).itertuples():
            if test(re.findall(r"\w+", seg.text.casefold())):
                found.add(seg.id)
    return found


def next_to(words: list[str], first: str, second: str) -> bool:
    return any(a == first and b == second for a, b in zip(words, words[1:], strict=False))


CASES = {
    "Council RELATIONSHIP": lambda w: "council" in w and "relationship" in w,
    '"housing association"': lambda w: next_to(w, "housing", "association"),
    "relation*": lambda w: any(x.startswith("relation") for x in w),
}


@pytest.mark.parametrize("words", list(CASES))
def test_search_finds_what_the_words_say_on_each_backend(small_project, words):
    expected = holding(small_project, CASES[words])
    assert expected, words  # the transcript holds each
    everything = search(small_project, words, limit=1000)
    assert set(everything.hits["segment"]) == expected and everything.total == len(expected)
    first, rest = (search(small_project, words, limit=2, offset=k) for k in (0, 2))
    assert first.total == len(expected) and len(first.hits) == min(2, len(expected))
    assert list(first.hits["segment"]) + list(rest.hits["segment"]) == list(
        everything.hits["segment"][: len(first.hits) + len(rest.hits)]
    )
    for row in everything.hits.itertuples():
        marked = re.findall(f"{OPEN}(.*?){CLOSE}", row.marked)
        assert marked and row.marked.replace(OPEN, "").replace(CLOSE, "") == row.text
        assert all(m.casefold().startswith(("council", "relationship", "housing", "association",
                                            "relation")) for m in marked)  # fmt: skip


def test_search_puts_the_best_hit_first(small_project):
    """Each segment holding "council" says it once: the shortest, where it weighs most,
    comes first (bm25 on SQLite; on PostgreSQL ts_rank divided by the log of the length),
    not the first in the text."""
    found = search(small_project, "council", limit=1000).hits
    assert len(found) > 2 and {len(re.findall(r"(?i)\bcouncil\b", t)) for t in found["text"]} == {1}
    lengths = [len(re.findall(r"\w+", t)) for t in found["text"]]
    assert lengths[0] == min(lengths) < max(lengths)
    assert list(found["start"]) != sorted(found["start"])


def test_a_postgresql_query_keeps_phrases_prefixes_and_no_operators():
    assert pg_query('Trust "local  authority" resid* a|b') == (
        "('trust') & ('local' <-> 'authority') & ('resid':*) & ('a' <-> 'b')"
    )
    assert pg_query("it's") == "('it' <-> 's')"
