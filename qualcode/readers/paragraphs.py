"""Turn rules for word-processor documents, shared by the .docx and .odt readers.

A reader turns each paragraph of the document into a :class:`Para` (its text and the
formatting the rules look at) and hands them to :func:`transcript_from_paragraphs`.

**Stored text**: the document's non-empty paragraphs joined by a blank line (``\\n\\n``), each
verbatim, labels included (``Jo: text``); turn spans leave the label out. Line breaks inside
a paragraph stay ``\\n``.

**Turns** follow the text reader's rules (see :mod:`qualcode.readers.text`), plus what only a
word processor can say:

- paragraphs the document marks as headings are headings (see each reader for how), and so
  are numbered list items that do not start with a speaker's label (task prompts);
- a bold name at the start of a paragraph is a label, with a colon (``Jo:`` bold, or bold
  ``Jo`` then ``:``) under the usual label rule, or without a colon (bold ``Jo`` then the
  speech) when that name is a label at least twice in the document;
- a paragraph that is only a bold name gives the turn to the paragraphs that follow. Without
  a colon the name must be a label twice in the document, or look like a name in a document
  that already uses this layout (another lone bold name recurs). A lone bold line that is
  not a speaker is taken as a heading;
- a wholly italic paragraph is a note, like a bracketed one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qualcode.errors import InputError
from qualcode.readers.base import Transcript
from qualcode.readers.frontmatter import SpeakerBook, label_key
from qualcode.readers.text import (
    Label,
    LabelRule,
    Line,
    TurnBuilder,
    finish_turns,
    lines_of,
    match_label,
    note_span,
    read_paragraph,
    unlabelled_label,
)


@dataclass
class Para:
    """One word-processor paragraph, with the formatting the turn rules look at."""

    text: str
    heading: bool = False
    bold: int = 0  # length of the bold stretch the paragraph starts with
    italic: bool = False  # every visible character is italic
    numbered: bool = False  # an item of a numbered list (not bullets)


def transcript_from_paragraphs(
    path: Path,
    paragraphs: Iterable[Para],
    attributes: dict[str, Any],
    notes: list[str],
    *,
    unlabelled_speaker: str | None = None,
) -> Transcript:
    """Stored text and turns of a word-processor document (shared by .docx and .odt).

    ``unlabelled_speaker`` speaks the paragraphs without a label; by default they continue
    the turn before them.
    """
    paras = [p for p in paragraphs if p.text.strip()]
    if not paras:
        raise InputError(path, "document has no text", hint="Check that it is the transcript")
    text = "\n\n".join(p.text for p in paras)
    starts = [0]
    for para in paras[:-1]:
        starts.append(starts[-1] + len(para.text) + 2)
    bolds = [_bold_label(p) if p.bold and not p.heading else None for p in paras]
    book = SpeakerBook()
    rule = LabelRule(book, _candidates(paras, bolds))
    lone = [b[0].name for p, b in zip(paras, bolds, strict=True) if b and _is_lone(p, b[0])]
    lone_layout = any(rule.counts[label_key(name)] >= 2 for name in lone)
    builder = TurnBuilder(text, unlabelled_label(book, unlabelled_speaker))
    for para, bold, start in zip(paras, bolds, starts, strict=True):
        _read_para(text, para, bold, start, rule, builder, lone_layout)
    turns = finish_turns(builder, book)
    return Transcript(path, text, turns, attributes, book.speakers, notes + rule.notes)


def _read_para(
    text: str,
    para: Para,
    bold: tuple[Label, bool] | None,
    start: int,
    rule: LabelRule,
    builder: TurnBuilder,
    lone_layout: bool,
) -> None:
    end = start + len(para.text)
    if para.heading:
        builder.add_aside(start, end, "heading")
        return
    if bold is not None:
        label, has_colon = bold
        lone = _is_lone(para, label)
        speaker = rule.accept(label.name, named_only=not (has_colon or lone and lone_layout))
        if speaker is not None:
            builder.start(speaker, label.time)
            builder.add_paragraph(start + label.end, end)
            return
        if lone:  # a bold line that is nobody
            builder.add_aside(start, end, "heading")
            return
    if para.italic:
        builder.add_aside(*(note_span(text, start, end) or (start, end)), "note")
        return
    lines = lines_of(text, start, end)
    if para.numbered and not _labelled(text, lines[0], rule):  # a numbered prompt
        builder.add_aside(start, end, "heading")
        return
    read_paragraph(text, lines, rule, builder)


def _labelled(text: str, line: Line, rule: LabelRule) -> bool:
    label = match_label(text[line.start : line.end])
    return label is not None and rule.accept(label.name) is not None


def _bold_label(para: Para) -> tuple[Label, bool] | None:
    """The bold name a paragraph starts with, as a Label into the paragraph, and its colon."""
    bold = para.text[: para.bold]
    name = bold.strip()
    has_colon = name.endswith(":")
    after = para.bold
    rest = para.text[after:].lstrip(" \t")
    if not has_colon and rest.startswith(":"):
        has_colon = True
        after = len(para.text) - len(rest) + 1
    candidate = name if has_colon else name + ":"
    label = match_label(candidate)
    if label is None or label.end < len(candidate):  # bold runs on past the name
        return None
    while after < len(para.text) and para.text[after] in " \t":
        after += 1
    return Label(label.name, label.time, after), has_colon


def _is_lone(para: Para, label: Label) -> bool:
    """True when the paragraph holds the bold name and nothing after it."""
    return label.end >= len(para.text.rstrip())


def _candidates(paras: list[Para], bolds: list[tuple[Label, bool] | None]) -> Iterable[str]:
    """Every name that looks like a label, for the 'says it twice' rule."""
    for para, bold in zip(paras, bolds, strict=True):
        if para.heading:
            continue
        if bold is not None:
            yield bold[0].name
        for line in para.text.split("\n")[1 if bold else 0 :]:
            label = match_label(line)
            if label is not None:
                yield label.name
