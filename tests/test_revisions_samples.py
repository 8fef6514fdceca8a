"""Re-anchoring measured on the real hearing transcripts of ../shared/sample-transcripts/:
400 random codings per transcript and seed, after typo fixes, speaker relabelling,
inserted paragraphs, all of them together, and 5% of words re-transcribed. Target: at
least 99% placed within 90% overlap of their true span, none under 50%, the rest in
review. ``pytest -s`` prints the table (bench/revise.py prints it too)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from revision_edits import KINDS, Outcome, apply, measure, random_codings

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "sample-transcripts"
SEEDS = range(2)


def sample_outcomes() -> dict[str, Outcome]:
    """The outcome of each kind of edit over every sample transcript and seed."""
    outcomes = {kind: Outcome() for kind in KINDS}
    for path in sorted(SAMPLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for kind, make in KINDS.items():
            for seed in SEEDS:
                rng = random.Random(seed)
                codings = random_codings(text, 400, rng)
                ops = make(text, rng)
                outcomes[kind].add(measure(text, ops, codings, apply(text, ops)))
    return outcomes


def table(outcomes: dict[str, Outcome]) -> str:
    lines = [f"{'edit':26} {'codings':>8} {'>=90%':>8} {'<50%':>5} {'review':>7}"]
    for kind, o in outcomes.items():
        lines.append(f"{kind:26} {o.total:8} {o.within_90 / o.total:8.2%} {o.wrong:5} {o.review:7}")
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/sample-transcripts is not here")
def test_codings_follow_their_words_in_the_sample_transcripts():
    outcomes = sample_outcomes()
    print("\n" + table(outcomes))
    for kind, o in outcomes.items():
        assert o.within_90 / o.total >= 0.99, kind
        assert o.wrong == 0, kind
        assert o.total - o.within_90 - o.review == 0, f"{kind}: placed between 50% and 90%"
