"""Bodies the JSON API accepts and what it answers, as pydantic models (and OpenAPI).

The shapes follow the CLI's ``--json`` output (README, "--json output"): the same
names for the same fields, so a script can move between the two.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Offsets beyond any text, kept below what a database integer holds.
MAX_OFFSET = 2**31 - 1
Offset = Field(ge=0, le=MAX_OFFSET)
Name = Field(min_length=1, max_length=255)


class Speaker(BaseModel):
    label: str
    attributes: dict[str, Any]


class Progress(BaseModel):
    coder: str
    done: int = Field(description="Segments overlapped by at least one of the coder's codings.")
    share: float = Field(description="done / segments.")


class Document(BaseModel):
    id: str
    name: str
    format: str
    words: int
    segments: int
    speakers: list[Speaker]
    attributes: dict[str, Any]
    assigned: list[str] = Field(description="Coders the lead gave this document.")
    codings: int = Field(description="Codings the asker may see.")
    progress: list[Progress]


class DocumentText(BaseModel):
    id: str
    name: str
    attributes: dict[str, Any]
    speakers: list[Speaker]
    text: str = Field(description="The stored text: offsets are Python str indices into it.")


class Segment(BaseModel):
    ordinal: int
    id: int
    speaker: str | None
    start: int
    end: int
    time_start: float | None
    time_end: float | None
    text: str


class Code(BaseModel):
    id: str
    name: str
    slug: str
    parent: str | None
    theme: str
    depth: int
    colour: str = Field(description="The code's colour, else its theme's, else a palette's.")
    description: str | None
    definition: str | None
    use_when: str | None
    not_when: str | None
    examples: list[Any]
    exclusive: bool
    archived: bool
    codings: int
    codings_total: int


class Coding(BaseModel):
    id: str
    document: str
    start: int
    end: int
    segment: int | None
    speaker: str | None
    code: str
    code_id: str
    theme: str
    coder: str
    origin: str
    memo: str | None
    text: str
    created_at: datetime | None


class NewCoding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: str = Field(min_length=1, max_length=255, description="Document id or name.")
    start: int = Offset
    end: int = Offset
    code: str = Field(min_length=1, max_length=255, description="Code id, slug or name.")
    memo: str | None = Field(default=None, max_length=20_000)


class ChangeCoding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(default=None, min_length=1, max_length=255)
    memo: str | None = Field(default=None, max_length=20_000)


class Message(BaseModel):
    message: str


class Suggestion(BaseModel):
    id: int
    document: str
    segment: int
    start: int
    end: int
    speaker: str | None
    code: str
    code_id: str
    score: float
    rank: int
    method: str
    status: str
    coder: str | None
    decided_by: str | None
    decided_at: datetime | None
    evidence: dict[str, Any]
    why: list[str] = Field(description="The evidence in words: matched phrases, model words.")
    text: str


class Rejected(BaseModel):
    rejected: int


class Memo(BaseModel):
    id: str
    target_type: str
    target: str | None
    coder: str | None
    text: str
    created_at: datetime | None
    updated_at: datetime | None


class NewMemo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_type: Literal["document", "segment", "code", "coding"]
    target: str = Field(min_length=1, max_length=255, description="Document, code or coding.")
    text: str = Field(min_length=1, max_length=20_000)
    segment: int | None = Field(default=None, ge=1, le=MAX_OFFSET)


class Settle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=200, description="The item's key (pending list).")
    choice: str = Field(min_length=1, max_length=255, description="A coder, both or neither.")


class Settled(BaseModel):
    key: str
    choice: str
    added: int
    removed: int


class Copied(BaseModel):
    copied: int


class Me(BaseModel):
    coder: str | None
    fixed: bool = Field(description="Chosen with `qualcode serve --coder` for this run.")
    sees_everyone: bool = Field(description="A lead, or the round is open.")
