"""Markdown to safe HTML: markdown-it-py with raw HTML off, then nh3 with a small tag set.

Images are not allowed: a picture from another site would be a third-party request from
our pages (ARCHITECTURE §5). Links keep ``http``, ``https`` and ``mailto`` only and get
``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import re
from typing import Any

import nh3
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from proposals import domain

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "code",
    "em",
    "strong",
    "del",
    "s",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """Sanitised HTML of a Markdown text."""
    return nh3.clean(
        _md.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


# --- The word diff, readable to screen readers ------------------------------------------


_DIFF_TAG = re.compile(r"<(/?)(ins|del)>")


def marked_diff(diff_html: str) -> SafeString:
    """The backend's word diff with spoken start and end markers around each change.

    ``domain.diff_html`` escapes all text and adds only bare ``<ins>``/``<del>`` tags, so
    those four exact strings are the only markup to find. Colour, underline and
    strike-through are CSS; the hidden words are for screen readers, which often say
    nothing about ``<ins>`` and ``<del>``.
    """
    words = {
        "ins": (_("added:"), _("end of addition")),
        "del": (_("removed:"), _("end of removal")),
    }

    def marker(match: re.Match[str]) -> str:
        closing, tag = match.group(1), match.group(2)
        start, end = words[tag]
        if closing:
            return str(format_html('<span class="visually-hidden"> ({})</span></{}>', end, tag))
        return str(format_html('<{}><span class="visually-hidden">{} </span>', tag, start))

    return mark_safe(_DIFF_TAG.sub(marker, diff_html))  # noqa: S308 (text escaped by domain)


def diff_counts(diff_html: str) -> dict[str, int]:
    return {"added": diff_html.count("<ins>"), "removed": diff_html.count("<del>")}


def word_diff(old: str, new: str) -> dict[str, Any]:
    """The marked word diff of two texts and its counts, as ``proposals/_diff.html`` draws it."""
    raw = domain.diff_html(old, new)
    return {"diff": marked_diff(raw), "counts": diff_counts(raw), "same": old == new}
