"""How fast are suggestions on a big project? Rules, model training, and scoring.

Generates ``--segments`` English-looking segments (about 15 words each, longer than the
example transcripts' 10) and a codebook of ``--codes`` codes: the example codebook's
codes with their real patterns (phrases and token patterns on LOWER/LEMMA, ``IN``
lists, optional tokens), and made-up codes with patterns of the same shapes. Each code
has a few topic words that segments about it use, so the model has something to
learn; segments also quote pattern phrases now and then, so rules fire.

Segments come in passages of 4, each passage spoken by one of two speakers in turn.
It then times, in the order ``qualcode suggest`` works:

1. training on ``--train`` coded segments, the way ``qualcode suggest`` trains (the
   linear models of segments and passages, out-of-fold calibration, the final models);
2. rules and model together, as ``qualcode suggest`` scores (``Fitted.scores``: worker
   processes from 40,000 segments on), which is the figure the target (20,000
   segments/s) is about; measured first, so that no earlier pass over all segments has
   filled the caches of words and pairs seen;
3. then, in one process, rule matching alone and model scoring alone over all segments.

The last line printed is a JSON summary.

    .venv/bin/python bench/suggest.py                       # 500,000 segments, 60 codes
    .venv/bin/python bench/suggest.py --segments 50000 --processes 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np
from spacy.matcher import Matcher, PhraseMatcher
from words import COMMON, vocabulary

from qualcode.codebook import load_codebook
from qualcode.nlp import build_pipeline, load_pipeline
from qualcode.suggest.data import CodeInfo, Corpus
from qualcode.suggest.linear import LinearSettings
from qualcode.suggest.rules import RuleSuggester
from qualcode.suggest.training import fit, score_texts

REPO = Path(__file__).resolve().parent.parent


def make_codes(rng: random.Random, count: int, vocab: list[str]) -> list[CodeInfo]:
    """The example codebook's leaf codes first, then made-up ones up to ``count``."""
    book = load_codebook(REPO / "codebook.yaml")
    parents = {spec.parent for spec in book.codes}
    codes = [
        CodeInfo(f"real-{i}", spec.name, tuple(spec.patterns), tuple(spec.examples))
        for i, spec in enumerate(s for s in book.codes if s.name not in parents)
    ][:count]
    while len(codes) < count:
        a, b, c, d = rng.sample(vocab[:2000], 4)
        patterns = (
            f"{a} {b}",
            c,
            [{"LOWER": {"IN": ["our", "their", "the"]}}, {"LEMMA": d}],
            [{"LEMMA": {"IN": [a, c]}}, {"OP": "?"}, {"LOWER": {"IN": ["together", "again"]}}],
        )
        codes.append(CodeInfo(f"made-{len(codes)}", f"Made-up code {len(codes)}", patterns))
    return codes


def phrase_of(rng: random.Random, code: CodeInfo) -> str:
    """Words that one of the code's patterns matches (plain phrases only)."""
    phrases = [p for p in code.patterns if isinstance(p, str)]
    return rng.choice(phrases) if phrases else ""


def make_segments(
    rng: random.Random, count: int, codes: list[CodeInfo], vocab: list[str]
) -> tuple[list[str], np.ndarray]:
    """Segments and their true codes: a segment about a code uses its topic words."""
    topics = [rng.sample(vocab[:3000], 6) for _ in codes]
    weights = 1.0 / np.arange(1, len(vocab) + 1)  # Zipf-like use of the made-up words
    cumulative = np.cumsum(weights / weights.sum())
    labels = np.zeros((count, len(codes)), dtype=bool)
    texts = []
    for i in range(count):
        words = []
        for _ in range(max(3, int(rng.gauss(15, 6)))):
            if rng.random() < 0.55:
                words.append(rng.choice(COMMON))
            else:
                words.append(vocab[int(np.searchsorted(cumulative, rng.random()))])
        if rng.random() < 0.3:  # about one code, now and then two
            for j in rng.sample(range(len(codes)), 1 if rng.random() < 0.8 else 2):
                labels[i, j] = True
                for _ in range(rng.choice((1, 2, 2, 3))):
                    words.insert(rng.randrange(len(words) + 1), rng.choice(topics[j]))
                if rng.random() < 0.3:
                    words.insert(rng.randrange(len(words) + 1), phrase_of(rng, codes[j]))
        text = " ".join(w for w in words if w)
        texts.append(text[0].upper() + text[1:] + rng.choice((".", ".", "?", ",")))
    return texts, labels


def speakers_of(passages: np.ndarray) -> np.ndarray:
    """Two speakers taking turns, a passage each."""
    return np.array(["interviewer", "participant"], dtype=object)[passages % 2]


CPU: dict[str, float] = {}  # label -> CPU seconds (this process and its workers)
SCORING_TARGET = 20_000  # segments/s, rules and model together
TRAINING_TARGET = 60.0  # seconds to train on 5,000 coded segments


def cpu_seconds() -> float:
    """CPU time so far of this process and of the worker processes it has waited for."""
    own, workers = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def timed(label: str, work, segments: int | None = None):
    """Run ``work``: print its wall time, CPU time and rate; keep its CPU time in CPU."""
    start, cpu = time.perf_counter(), cpu_seconds()
    result = work()
    seconds = time.perf_counter() - start
    CPU[label] = cpu_seconds() - cpu
    rate = f", {segments / seconds:,.0f} segments/s" if segments else ""
    print(
        f"{label}: {seconds:.1f} s wall, {CPU[label]:.1f} s CPU{rate}; "
        f"load {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    return result, seconds


def reference(codes: list[CodeInfo], texts: list[str], processes: int) -> int:
    """The plain spaCy way for the rules: a Doc per segment from ``nlp.pipe`` (lemmatizer
    in the pipeline, ``n_process`` workers), then the codebook's patterns as written."""
    nlp = build_pipeline()
    matcher, phrases = Matcher(nlp.vocab), PhraseMatcher(nlp.vocab, attr="LOWER")
    for j, code in enumerate(codes):
        for pattern in code.patterns:
            if isinstance(pattern, str):
                phrases.add(str(j), [nlp.make_doc(pattern)])
            else:
                matcher.add(str(j), [pattern])
    hits = 0
    for doc in nlp.pipe(texts, batch_size=1000, n_process=processes):
        hits += len(matcher(doc)) + len(phrases(doc))
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=500_000)
    parser.add_argument("--codes", type=int, default=60)
    parser.add_argument("--train", type=int, default=5_000, help="coded segments to train on")
    parser.add_argument("--processes", type=int, default=min(os.cpu_count() or 1, 4))
    parser.add_argument("--reference", type=int, default=20_000, help="segments for the plain way")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    vocab = vocabulary(rng, 6000)
    codes = make_codes(rng, args.codes, vocab)
    (texts, labels), _ = timed("generate", lambda: make_segments(rng, args.segments, codes, vocab))
    nlp = load_pipeline()
    rules = RuleSuggester(nlp, codes)
    one = len(texts)

    n = min(args.train, len(texts))
    documents = np.array([f"doc-{i // 100}" for i in range(n)], dtype=object)  # 100 a document
    known = np.ones((n, len(codes)), dtype=bool)
    passages = np.arange(n) // 4  # 4 segments a passage (the example project has 3)
    corpus = Corpus(
        codes, np.arange(n), documents, texts[:n], labels[:n], known, passages=passages,
        speakers=speakers_of(passages),
    )  # fmt: skip
    fitted, train_s = timed("train", lambda: fit(corpus, nlp, rules, LinearSettings()))
    assert fitted.model is not None
    model = fitted.model
    everything = Corpus(  # 100 segments a document, 4 a passage
        codes, np.arange(one) + n, np.array([f"all-{i // 100}" for i in range(one)], dtype=object),
        texts, np.zeros((one, len(codes)), bool), np.zeros((one, len(codes)), bool),
        passages=np.arange(one) // 4, speakers=speakers_of(np.arange(one) // 4),
    )  # fmt: skip
    _, many_s = timed("rules+model, as suggest scores", lambda: fitted.scores(nlp, everything), one)
    many_load = os.getloadavg()[0]
    hits, match_s = timed("rules", lambda: score_texts(nlp, [rules], texts, processes=1), one)
    _, model_s = timed(
        "model",
        lambda: model.score_corpus(texts, everything.passages),
        one,
    )
    few = texts[: args.reference]
    _, ref1_s = timed("plain spaCy rules, 1 process", lambda: reference(codes, few, 1), len(few))
    _, ref_s = timed(
        f"plain spaCy rules, n_process={args.processes}",
        lambda: reference(codes, few, args.processes),
        len(few),
    )
    summary = {
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "segments": len(texts),
        "codes": len(codes),
        "words_per_segment": round(sum(len(t.split()) for t in texts) / len(texts), 1),
        "rule_hit_rate": round(float((hits["rules"] > 0).any(axis=1).mean()), 3),
        "processes": args.processes,
        "match_segments_per_s": round(len(texts) / match_s),
        "model_segments_per_s": round(len(texts) / model_s),
        "rules_and_model_segments_per_s": round(len(texts) / many_s),
        "rules_and_model_wall_seconds": round(many_s, 1),
        "rules_and_model_cpu_seconds": round(CPU["rules+model, as suggest scores"], 1),
        "rules_and_model_load_1min": round(many_load, 2),
        "scoring_vs_target": round(len(texts) / many_s / SCORING_TARGET, 2),
        "train_segments": n,
        "train_seconds": round(train_s, 1),
        "train_cpu_seconds": round(CPU["train"], 1),
        "training_vs_target": round(train_s / TRAINING_TARGET, 2),
        "penalties_chosen": fitted.info.get("penalties"),
        "plain_spacy_segments_per_s": round(len(few) / ref1_s),
        "plain_spacy_segments_per_s_processes": round(len(few) / ref_s),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
