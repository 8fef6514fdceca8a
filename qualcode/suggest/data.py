"""The segments suggesters score and learn from, with the labels people gave them.

A segment's labels are the leaf codes whose codings overlap it. Whose codings count
(the *scope*) is decided once, here, for training and evaluation alike:

- a document with consensus codings contributes those only: the team settled them;
- otherwise it contributes the union of its coders' codings, since with two coders
  "majority" would mean "both", and a code one careful coder saw is worth proposing;
- while a round is blind (closed, and the asker is not a lead: see
  :mod:`qualcode.visibility`), only the asker's own codings and consensus count, so a
  model never carries another coder's work onto a blind coder's screen. Documents the
  asker has not coded then teach nothing. Someone who did not say who they are gets no
  model while the round is blind. The codings of coders a lead marked as training
  material (``visibility.set_training``) count for everyone, blind or not.

A labelled document's segments without a code are negatives for it; so is a rejected
suggestion (of the asker, when blind), wherever it lies.
"""

from __future__ import annotations

import hashlib
import uuid
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..codebook import slugify
from ..errors import NotAllowed
from ..models import Code, Coder, Coding, Document, Segment, Suggestion
from ..texts import texts_of
from ..visibility import Who, training_coders, viewer_for


@dataclass(frozen=True)
class CodeInfo:
    """What a suggester needs of a code: its id (the model's label), name, patterns, and
    the codebook's own words for it (example quotes, definition, when to use it), which
    the model reads as segments coded with it."""

    id: str
    name: str
    patterns: tuple[Any, ...] = ()
    codebook_texts: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class Scope:
    """Whose codings train and test: everyone's (``coder`` None) or one blind coder's,
    with those of the coders a lead marked as training material for everyone."""

    coder: str | None = None
    training: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A name for files and settings: ``all``, or ``coder-`` and a digest of the exact
        name (a slug would give 李明 and 王芳 one model, and with it each other's work)."""
        if self.coder is None:
            return "all"
        return "coder-" + hashlib.sha256(self.coder.encode("utf-8")).hexdigest()[:20]

    def describe(self) -> str:
        if self.coder is None:
            return "every coder's codings (consensus first)"
        also = [name for name in self.training if name != self.coder]
        marked = f", and {', '.join(also)}'s (training material)" if also else ""
        return f"{self.coder}'s own codings and consensus{marked} (the round is blind)"

    def teaches(self, coder: str, origin: str) -> bool:
        """Whether a coding by ``coder`` (of this ``origin``) trains this scope's model."""
        return (
            self.coder is None
            or origin == "consensus"
            or coder == self.coder
            or coder in self.training
        )


def scope_for(session: Session, viewer: Who) -> Scope:
    """The scope of a request by ``viewer``: theirs alone while they code blind."""
    seen = viewer_for(session, viewer)
    if seen.sees_everyone:
        return Scope()
    if seen.name is None:
        raise NotAllowed(
            "the round is closed and nobody said who is asking: a model learns from the "
            "codings its asker may see, so say who you are (--as NAME); a lead's model "
            "learns from everyone's"
        )
    return Scope(seen.name, training_coders(session))


@dataclass
class Corpus:
    """Segments as parallel arrays, and a (segments x codes) table of known labels.

    ``labels[i, j]`` says that code j applies to segment i; it counts only where
    ``known[i, j]``: a segment of a document nobody in scope coded is unknown.
    """

    codes: list[CodeInfo]
    segment_ids: np.ndarray
    documents: np.ndarray  # document id (str) of each segment
    texts: list[str]
    labels: np.ndarray
    known: np.ndarray
    spans: list[tuple[int, int]] = field(default_factory=list)
    ordinals: list[int] = field(default_factory=list)  # each segment's number in its document
    previous: np.ndarray | None = None  # row of the segment before in its document, or -1
    following: np.ndarray | None = None  # row of the segment after, or -1
    passages: np.ndarray | None = None  # each row's passage (0, 1, ...): see passage_groups
    speakers: np.ndarray | None = None  # each row's speaker (an id, or None), if known

    def __post_init__(self) -> None:
        if self.previous is None or self.following is None:
            self.previous, self.following = neighbours(self.documents)
        if self.passages is None:  # unknown: each segment a passage of its own
            self.passages = np.arange(len(self.texts))
        else:  # numbered 0, 1, ... in order of first row
            _, first, inverse = np.unique(self.passages, return_index=True, return_inverse=True)
            self.passages = np.argsort(np.argsort(first))[inverse].reshape(-1)

    @property
    def passage_count(self) -> int:
        return int(self.passages.max()) + 1 if len(self.passages) else 0

    def passage_texts(self) -> list[str]:
        """The text of each passage: its segments' texts, one a line, in order."""
        parts: list[list[str]] = [[] for _ in range(self.passage_count)]
        for text, passage in zip(self.texts, self.passages.tolist(), strict=True):
            parts[passage].append(text)
        return ["\n".join(part) for part in parts]

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def labelled(self) -> np.ndarray:
        """Rows with at least one known label: what a model may learn from."""
        return self.known.any(axis=1)

    def rows(self, mask_or_index: np.ndarray) -> Corpus:
        """The corpus narrowed to some rows (a boolean mask or indices)."""
        index = np.flatnonzero(mask_or_index) if mask_or_index.dtype == bool else mask_or_index
        return Corpus(
            codes=self.codes,
            segment_ids=self.segment_ids[index],
            documents=self.documents[index],
            texts=[self.texts[i] for i in index],
            labels=self.labels[index],
            known=self.known[index],
            spans=[self.spans[i] for i in index] if self.spans else [],
            ordinals=[self.ordinals[i] for i in index] if self.ordinals else [],
            previous=renumber(self.previous, index),
            following=renumber(self.following, index),
            passages=self.passages[index],
            speakers=None if self.speakers is None else self.speakers[index],
        )

    def positives(self) -> np.ndarray:
        """How many known positive segments each code has."""
        return (self.labels & self.known).sum(axis=0)


def neighbours(documents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(previous, following) rows of segments listed in document order; -1 at the ends."""
    rows = np.arange(len(documents))
    same = documents[1:] == documents[:-1]
    previous = np.where(np.r_[False, same], rows - 1, -1)
    following = np.where(np.r_[same, False], rows + 1, -1)
    return previous, following


def passage_groups(rows: Sequence[Any], texts: dict[uuid.UUID, str]) -> np.ndarray:
    """Each segment's passage: a run of one speaker's segments in a document with nothing
    but white space between them (a paragraph break stays inside; a heading, a note or
    another speaker's label ends it). ``rows`` in document order."""
    passages = np.zeros(len(rows), dtype=np.int64)
    for i in range(1, len(rows)):
        row, before = rows[i], rows[i - 1]
        same = (
            row.document_id == before.document_id
            and row.speaker_id == before.speaker_id
            and not texts[row.document_id][before.end : row.start].strip()
        )
        passages[i] = passages[i - 1] + (not same)
    return passages


def renumber(rows: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Row references after keeping only ``index``: a row left out becomes -1."""
    new = np.full(len(rows), -1)
    new[index] = np.arange(len(index))
    kept = rows[index]
    return np.where(kept >= 0, new[np.maximum(kept, 0)], -1)


def leaf_codes(session: Session, code_ids: Iterable[uuid.UUID] | None = None) -> list[CodeInfo]:
    """Live codes without live children, in codebook order: what segments are coded with."""
    codes = list(session.scalars(select(Code).where(~Code.archived).order_by(Code.position)))
    parents = {code.parent_id for code in codes}
    wanted = set(code_ids) if code_ids is not None else None
    return [
        CodeInfo(
            str(code.id),
            code.name,
            tuple(code.patterns or ()),
            tuple(t for t in [*(code.examples or []), code.definition, code.use_when] if t),
        )
        for code in codes
        if code.id not in parents and (wanted is None or code.id in wanted)
    ]


def load_corpus(
    session: Session,
    scope: Scope,
    codes: Sequence[CodeInfo] | None = None,
    documents: Iterable[uuid.UUID] | None = None,
) -> Corpus:
    """Every segment of ``documents`` (default: all), labelled from the codings in scope."""
    codes = list(codes) if codes is not None else leaf_codes(session)
    column = {uuid.UUID(code.id): j for j, code in enumerate(codes)}
    query = (  # documents by name, so that folds of documents depend on no id
        select(
            Segment.id, Segment.document_id, Segment.start, Segment.end, Segment.ordinal,
            Segment.speaker_id,
        )
        .join(Document, Segment.document_id == Document.id)
        .order_by(Document.name, Document.id, Segment.start)
    )  # fmt: skip
    if documents is not None:
        query = query.where(Segment.document_id.in_(list(documents)))
    rows = session.execute(query).all()
    texts = texts_of(session, (row.document_id for row in rows))
    labels = np.zeros((len(rows), len(codes)), dtype=bool)
    known = np.zeros_like(labels)
    where = _segment_index(rows)
    codings = _codings_in_scope(session, scope, set(column))
    for doc_id, doc_codings in codings.items():
        starts, ends, indices = where.get(doc_id, ([], [], []))
        if not indices:
            continue
        known[indices, :] = True
        for start, end, code_id in doc_codings:
            for k in _overlapping(starts, ends, start, end):
                labels[indices[k], column[code_id]] = True
    by_segment = {row.id: i for i, row in enumerate(rows)}
    rejected = _rejections_in_scope(session, scope)
    for segment_id, code_id in rejected:
        i, j = by_segment.get(segment_id), column.get(code_id)
        if i is not None and j is not None and not (known[i, j] and labels[i, j]):
            known[i, j] = True
    return Corpus(
        codes=codes,
        segment_ids=np.array([row.id for row in rows], dtype=np.int64),
        documents=np.array([str(row.document_id) for row in rows], dtype=object),
        texts=[texts[row.document_id][row.start : row.end] for row in rows],
        labels=labels,
        known=known,
        spans=[(row.start, row.end) for row in rows],
        ordinals=[row.ordinal for row in rows],
        passages=passage_groups(rows, texts),
        speakers=np.array([row.speaker_id for row in rows], dtype=object),
    )


def coded_by(session: Session, corpus: Corpus, coder: str) -> np.ndarray:
    """(segments x codes): where ``coder``'s own codings already put the code."""
    column = {uuid.UUID(code.id): j for j, code in enumerate(corpus.codes)}
    coded = np.zeros((len(corpus), len(corpus.codes)), dtype=bool)
    where: dict[str, tuple[list[int], list[int], list[int]]] = {}
    for i, (doc, (start, end)) in enumerate(zip(corpus.documents, corpus.spans, strict=True)):
        starts, ends, rows = where.setdefault(doc, ([], [], []))
        starts.append(start)
        ends.append(end)
        rows.append(i)
    query = (
        select(Coding.document_id, Coding.start, Coding.end, Coding.code_id)
        .join(Coder, Coding.coder_id == Coder.id)
        .where(Coder.name == coder)
    )
    for row in session.execute(query):
        starts, ends, rows = where.get(str(row.document_id), ([], [], []))
        if row.code_id in column:
            for k in _overlapping(starts, ends, row.start, row.end):
                coded[rows[k], column[row.code_id]] = True
    return coded


def count_in_scope(session: Session, scope: Scope) -> tuple[int, int]:
    """(codings, rejections) a model of this scope would learn from: to know when to retrain."""
    leaves = {uuid.UUID(code.id) for code in leaf_codes(session)}
    codings = _codings_in_scope(session, scope, leaves)
    return sum(len(found) for found in codings.values()), len(_rejections_in_scope(session, scope))


def _segment_index(rows: Sequence[Any]) -> dict[uuid.UUID, tuple[list[int], list[int], list[int]]]:
    """document -> (segment starts, ends, row numbers), in text order."""
    index: dict[uuid.UUID, tuple[list[int], list[int], list[int]]] = {}
    for i, row in enumerate(rows):
        starts, ends, indices = index.setdefault(row.document_id, ([], [], []))
        starts.append(row.start)
        ends.append(row.end)
        indices.append(i)
    return index


def _overlapping(starts: list[int], ends: list[int], start: int, end: int) -> Iterable[int]:
    """Positions of the segments (sorted, disjoint) sharing at least one character with the span."""
    k = bisect_right(ends, start)
    while k < len(starts) and starts[k] < end:
        yield k
        k += 1


def _codings_in_scope(
    session: Session, scope: Scope, code_ids: set[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[int, int, uuid.UUID]]]:
    """document -> [(start, end, code)] of the codings that teach, per the module's rules."""
    query = select(
        Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coding.origin, Coder.name
    ).join(Coder, Coding.coder_id == Coder.id)
    found: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in session.execute(query):
        if row.code_id in code_ids and scope.teaches(row.name, row.origin):
            found[row.document_id].append(row)
    result = {}
    for doc_id, rows in found.items():
        consensus = [row for row in rows if row.origin == "consensus"]
        result[doc_id] = [(row.start, row.end, row.code_id) for row in consensus or rows]
    return result


def _rejections_in_scope(session: Session, scope: Scope) -> list[tuple[int, uuid.UUID]]:
    query = (
        select(Suggestion.segment_id, Suggestion.code_id)
        .outerjoin(Coder, Suggestion.decided_by_id == Coder.id)
        .where(Suggestion.status == "rejected")
    )
    if scope.coder is not None:
        query = query.where(Coder.name == scope.coder)
    return [(row.segment_id, row.code_id) for row in session.execute(query)]
