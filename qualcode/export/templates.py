"""Jinja templates a user may override, and rendering an export through them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from ..codebook import slugify
from ..errors import QualcodeError
from .context import ExportContext

TEMPLATED = ("html", "md")
PACKAGED = Path(__file__).resolve().parent.parent / "templates" / "export"


def environment(
    root: Path | None = None, template_dirs: Sequence[str | Path] = ()
) -> jinja2.Environment:
    """Jinja templates: ``template_dirs``, then ``root/templates``, then the packaged ones,
    which are also reachable as ``default:NAME`` (to extend them)."""
    dirs = [Path(d) for d in template_dirs]
    if root is not None and (root / "templates").is_dir():
        dirs.append(root / "templates")
    packaged = jinja2.FileSystemLoader(PACKAGED)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(dirs),
                jinja2.PrefixLoader({"default": packaged}, delimiter=":"),
                packaged,
            ]
        ),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    return env


_MD = str.maketrans({c: "\\" + c for c in "\\`*_<>|"})


def md_escape(value: Any) -> str:
    """Text safe inside Markdown: no emphasis, code, links or HTML from a transcript.

    Brackets stay as they are (``[name]``, ``[laughter]``) except where they would
    make a link: ``](`` and ``][``.
    """
    text = str(value).translate(_MD)
    if "](" in text or "][" in text:
        text = text.replace("](", "]\\(").replace("][", "]\\[")
    return text


def template_names(fmt: str, frame: pd.DataFrame) -> list[str]:
    """Most specific first: ``quotes-{theme}.html`` when one theme is exported."""
    themes = list(dict.fromkeys(frame["theme"].tolist())) if len(frame) else []
    names = [f"quotes-{slugify(themes[0])}.{fmt}"] if len(themes) == 1 else []
    return [*names, f"quotes.{fmt}"]


def _where_from(template: jinja2.Template, root: Path | None) -> str:
    path = Path(template.filename or "")
    if path.is_relative_to(PACKAGED):
        return "packaged"
    if root is not None and path.is_relative_to(root):
        return str(path.relative_to(root))
    return str(path)


def write_template(
    env: jinja2.Environment, fmt: str, context: ExportContext, frame: pd.DataFrame,
    path: Path, root: Path | None,
) -> list[str]:  # fmt: skip
    """Render ``quotes.{fmt}`` (or a more specific one) into ``path``, streaming."""
    names = template_names(fmt, frame)
    try:
        template = env.select_template(names)
    except jinja2.TemplateSyntaxError as error:
        raise QualcodeError(
            f"{error.filename or error.name}:{error.lineno}: {error.message}. "
            "Fix the template's syntax"
        ) from None
    context.templates = [
        f"*{n} ({_where_from(template, root)})" if n == template.name else n for n in names
    ]
    try:
        stream = template.stream(**context.variables())
        stream.enable_buffering(500)  # writes in joined runs, not piece by piece
        with path.open("w", encoding="utf-8", newline="\n") as out:
            stream.dump(out)
    except jinja2.TemplateError as error:
        path.unlink(missing_ok=True)
        where = _template_line(error, template)
        raise QualcodeError(
            f"{where}: {error}. The variables a template receives are listed in the "
            "README, under 'Template variables'"
        ) from None
    return context.templates


def _template_line(error: BaseException, template: jinja2.Template) -> str:
    """``file:line`` of the template frame where rendering failed (the deepest one)."""
    where, trace = template.filename or template.name or "template", error.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".md")) and Path(filename).is_file():
            where = f"{filename}:{trace.tb_lineno}"
        trace = trace.tb_next
    return where
