"""The quotes query: coded excerpts with their attribution and context, as one DataFrame."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..lookup import find_code
from ..project import Project
from ..redact import Redactor
from ..visibility import Who, viewer_for
from .codes import code_tree
from .excerpts import Builder
from .fetch import fetch
from .filters import (
    Filters,
    StrOrList,
    as_list,
    check_where_keys,
    coder_ids,
    resolve_codes,
    where_values,
)


def quotes(
    project: Project,
    *,
    code: StrOrList = None,
    theme: StrOrList = None,
    coder: StrOrList = None,
    where: Mapping[str, Any] | None = None,
    text: str | None = None,
    cooccurs_with: StrOrList = None,
    context: int = 150,
    attribution: str = "agency_type",
    labels: Mapping[str, str] | None = None,
    redactor: Redactor | None = None,
    include_archived: bool = False,
    viewer: Who = None,
    merge: bool = False,
    keep_coders_apart: bool = False,
) -> pd.DataFrame:
    """Coded excerpts, one row per coding (or per passage if ``merge``), in codebook
    order, then document order.

    >>> quotes(project, code="speaking-the-language", where={"agency_type": "health agency"})

    :param code: codes by name, slug or id; a code includes the codes below it.
    :param theme: themes, likewise (a theme includes its codes); ``code`` and ``theme``
        together keep codings of either.
    :param where: attribute -> value or list of values (any case).
    :param text: keep excerpts whose text contains this (any case).
    :param cooccurs_with: keep excerpts overlapping a coding of each of these codes.
    :param context: characters of context each side, within the speaker's paragraph.
    :param attribution: the attribute that ``attribution`` shows (``Local authority``).
    :param labels: attribute value -> label (``{"community": "Big Local partnership"}``).
    :param redactor: hide names in texts and attributes, speakers shown by their role.
    :param include_archived: keep codings of archived codes (those of a code named in
        ``code`` or ``theme`` are kept anyway).
    :param viewer: who asks: while a blind round is closed, a coder sees only their own
        codings (see :mod:`qualcode.visibility`).
    :param merge: one row per passage: codings of one code in one document that overlap
        or touch (only white space between) become one excerpt, which names every coder
        (``ana, ben``) and origin, and whose ``coding_id`` lists its codings (``id; id``).
        Filters apply to each coding before they are merged.
    :param keep_coders_apart: with ``merge``, merge only a coder's own codings.
    """
    with project.sessionmaker() as session:
        tree = code_tree(session)
        refs = as_list(code) + as_list(theme)
        filters = Filters(
            code_ids=resolve_codes(session, tree, refs) if refs else None,
            coder_ids=coder_ids(session, as_list(coder), viewer_for(session, viewer)),
            where=where_values(where),
            text=text.casefold() if text else None,
            cooccurs=[tree.descendants(find_code(session, r).id) for r in as_list(cooccurs_with)],
            include_archived=include_archived,
            live_codes={i for i, n in tree.nodes.items() if not n.archived},
        )
        if filters.where:
            check_where_keys(session, filters.where)
        data = fetch(session, filters)
    builder = Builder(
        tree, filters, data, context, attribution, labels, redactor, merge=merge,
        keep_coders_apart=keep_coders_apart,
    )  # fmt: skip
    return builder.frame()
