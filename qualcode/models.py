"""The tables of a qualcode project (see DESIGN.md, "Data model").

Offsets (``start``/``end``) are Python str indices into ``Document.text``. Stable ids
(documents, codes, coders, codings, memos) are UUIDs because REFI-QDA exchange needs
GUIDs; rows that are many and local (segments, speakers, suggestions, log) use integers.
Schema changes go through ``qualcode/migrations``, never through ``create_all``.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base

CODER_ROLES = ("coder", "lead")
CODING_ORIGINS = ("manual", "suggestion", "import", "consensus")
CODING_ANCHORS = ("reanchored", "reviewed")
ANCHOR_CONTEXT = 32  # characters of context stored either side of a coding's quote
SUGGESTION_STATUSES = ("pending", "accepted", "rejected")
# Every kind of entry the coding log holds. A coder's change writes add, remove, recode,
# memo (a coding's memo), note (a memo on a document, segment or code), accept, reject,
# settle (an adjudicated item); undo takes one back; move is written by a re-import
# (`import --replace`), which nobody undoes; import is one per coder of a `.qdpx` import,
# with the ids of the codings it brought.
LOG_ACTIONS = (
    "add", "remove", "recode", "memo", "note", "accept", "reject", "settle", "reopen", "undo",
    "move", "place",
    "codebook", "import",
)  # fmt: skip


def utcnow() -> datetime:
    return datetime.now(UTC)


class Setting(Base):
    """Project-wide settings and facts (segmentation unit, codebook version...)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<Setting {self.key}={self.value!r}>"


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    source_path: Mapped[str] = mapped_column(String(1024))
    format: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The number of the revision ``text`` is (see DocumentRevision).
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    speakers: Mapped[list[Speaker]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Speaker.id"
    )

    def __repr__(self) -> str:
        return f"<Document {self.name!r}>"


class DocumentRevision(Base):
    """One text a document has had: the first import, then each correction.

    The document's current text is the revision numbered ``Document.revision``.
    ``placements`` is filled when a newer revision supersedes this one: the place of
    every coding on this text (coding id -> ``[start, end, anchor]``), so ``qualcode
    revert`` brings the codings back exactly where and as they were.
    """

    __tablename__ = "document_revisions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    author: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    placements: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<DocumentRevision {self.document_id} #{self.number}>"


class Speaker(Base):
    __tablename__ = "speakers"
    __table_args__ = (UniqueConstraint("document_id", "label"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(255))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)

    document: Mapped[Document] = relationship(back_populates="speakers")

    def __repr__(self) -> str:
        return f"<Speaker {self.label!r}>"


class Segment(Base):
    __tablename__ = "segments"
    __table_args__ = (
        UniqueConstraint("document_id", "ordinal"),
        Index("ix_segments_document_start", "document_id", "start"),  # the one holding a span
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("speakers.id", ondelete="SET NULL"), index=True
    )
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    time_start: Mapped[float | None] = mapped_column(Float)
    time_end: Mapped[float | None] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"<Segment {self.ordinal} [{self.start}:{self.end}]>"


class Code(Base):
    """A code or a theme (a theme is a code with children)."""

    __tablename__ = "codes"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("codes.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    definition: Mapped[str] = mapped_column(Text, default="")
    use_when: Mapped[str] = mapped_column(Text, default="")
    not_when: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[Any]] = mapped_column(default=list)
    patterns: Mapped[list[Any]] = mapped_column(default=list)
    colour: Mapped[str | None] = mapped_column(String(32))
    exclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<Code {self.name!r}>"


class Coder(Base):
    __tablename__ = "coders"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="coder")

    def __repr__(self) -> str:
        return f"<Coder {self.name!r} ({self.role})>"


class Assignment(Base):
    """A document (or a passage of it) given to a coder for (blind) coding by the lead."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("document_id", "coder_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    coder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coders.id", ondelete="CASCADE"), index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A passage of the document (character offsets, end exclusive), a sample inside a long
    # transcript; both None: the whole document. Agreement compares coders where both were asked.
    start: Mapped[int | None] = mapped_column(default=None)
    end: Mapped[int | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<Assignment {self.document_id} -> {self.coder_id}>"


# What makes a coding one coding: its place, its code and its coder (not its origin or
# memo). The database keeps it single, however many writers send it at once.
CODING_IDENTITY = ("document_id", "start", "end", "code_id", "coder_id")


class Coding(Base):
    """A code on ``Document.text[start:end]`` by one coder. Removing a coding deletes the
    row (the coding log keeps what it was), so no removed row stands in a new one's way."""

    __tablename__ = "codings"
    __table_args__ = (Index("uq_codings_identity", *CODING_IDENTITY, unique=True),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("segments.id", ondelete="SET NULL"), index=True
    )
    code_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("codes.id", ondelete="RESTRICT"), index=True
    )
    coder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coders.id", ondelete="RESTRICT"), index=True
    )
    origin: Mapped[str] = mapped_column(String(16), default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    memo: Mapped[str | None] = mapped_column(Text)
    # The anchor that lets a coding follow its words into a corrected text: its exact
    # quote and up to ANCHOR_CONTEXT characters either side, on revision ``revision``.
    # Rows written without them get them from the text before the next revision.
    quote: Mapped[str | None] = mapped_column(Text)
    prefix: Mapped[str | None] = mapped_column(Text)
    suffix: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int | None] = mapped_column(Integer)
    # None: placed by a person, or followed unchanged words; "reanchored": a revision
    # changed its words or it was found by approximate search (nobody has checked it);
    # "reviewed": a coder re-placed it from the review list.
    anchor: Mapped[str | None] = mapped_column(String(16))

    def __repr__(self) -> str:
        return f"<Coding [{self.start}:{self.end}] {self.code_id}>"


class CodingReview(Base):
    """A coding a revision could not place with confidence: kept here, out of every
    count and export, until a coder re-places it (back into ``codings``, same id) or
    drops it. ``start``/``end`` are its place on revision ``revision`` of the document;
    ``candidates`` the best places found in the current text (``start``, ``end``,
    ``score``), best first."""

    __tablename__ = "coding_reviews"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="RESTRICT"), index=True
    )
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("codes.id", ondelete="RESTRICT"))
    coder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("coders.id", ondelete="RESTRICT"), index=True
    )
    origin: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    memo: Mapped[str | None] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(Text)
    suffix: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    parked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<CodingReview {self.id} {self.quote[:30]!r}>"


class Suggestion(Base):
    """A code proposed for a segment, with why; nothing is coded until a person accepts it.

    ``coder_id`` is whom it was made for (its model saw only what that coder may see);
    ``decided_by_id``/``decided_at`` record who accepted or rejected it and when, and
    ``coding_id`` the coding an acceptance made. Rejections train the next model.
    """

    __tablename__ = "suggestions"
    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("codes.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[Any] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    coder_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("coders.id", ondelete="CASCADE"), index=True
    )
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("coders.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    coding_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("codings.id", ondelete="SET NULL")
    )

    def __repr__(self) -> str:
        return f"<Suggestion {self.id} {self.code_id} on {self.segment_id} ({self.status})>"


class Memo(Base):
    """A note on a document, segment, code or coding (``target_type`` says which)."""

    __tablename__ = "memos"
    __table_args__ = (Index("ix_memos_target", "target_type", "target_id"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(64))
    coder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coders.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class CodingLog(Base):
    """Append-only record of every change a coder makes: who, what, when.

    ``action`` is one of ``LOG_ACTIONS``. ``data`` always holds the
    place the change was about (``document_id``, ``start``, ``end``, ``code_id``,
    ``coder_id``; null where the change has none, as a memo on a code) and what undoing
    it needs. The entries of one change (one command: a merge, several accepts, a
    settled item) share a ``change_id``, so one undo takes the change back whole.
    ``coding_id`` is the coding concerned, if any.
    """

    __tablename__ = "coding_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    coder_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("coders.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    coding_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    change_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


def content_hash(text: str) -> str:
    """A document's text as a digest: the same words import once."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def word_count(text: str) -> int:
    return len(text.split())
