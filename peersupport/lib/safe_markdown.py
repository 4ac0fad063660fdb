"""Markdown that schools and we write (training modules, protocols), rendered to
HTML that cannot run anything.

Two layers: markdown-it-py with raw HTML switched off (so ``<script>`` arrives as
text) and its own link check, then nh3 (the Ammonia sanitiser) keeping only the
tags, attributes and link schemes that prose needs."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render(text: str) -> str:
    """Safe HTML for ``text``: no scripts, no event handlers, no javascript: links."""
    html = _parser.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )
