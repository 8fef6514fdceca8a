"""Made-up English-looking words for the benchmarks: a realistic vocabulary for spaCy's
tokenizer without shipping real text."""

from __future__ import annotations

import random

COMMON_WORDS = (
    "the of and to a in that it is was i for on you he be with as by at have are this not "
    "but had his they from she which or we an there her were one do been all their has would "
    "will what if can when so no said who more about up out them some could into than then "
    "council partnership housing school agency residents meeting relationship trust funding "
    "worker chair officer plan money people area local community table menu years time"
)
COMMON = COMMON_WORDS.split()
ONSETS = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "w",
    "br",
    "ch",
    "cl",
    "pr",
    "st",
    "th",
    "tr",
    "sh",
    "gr",
    "pl",
]
VOWELS = ["a", "e", "i", "o", "u", "ea", "ou", "ai", "ee", "oo"]
CODAS = ["", "", "n", "r", "s", "t", "l", "nd", "ng", "st", "ck", "rt", "ll"]
SUFFIXES = ["", "", "", "s", "ed", "ing", "er", "ly", "tion", "ment"]


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    """Made-up words shaped like English, so the tokenizer meets a realistic vocabulary."""
    words = set()
    while len(words) < size:
        syllables = rng.choice((1, 1, 2, 2, 3))
        word = "".join(
            rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables)
        )
        words.add(word + rng.choice(SUFFIXES))
    ordered = sorted(words)
    rng.shuffle(ordered)  # so frequency does not follow the alphabet
    return ordered
