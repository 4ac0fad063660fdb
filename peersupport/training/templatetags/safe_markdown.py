"""{{ text|markdown }}: Markdown rendered by peersupport.lib.safe_markdown."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from peersupport.lib.safe_markdown import render

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    # render() has already sanitised the HTML with nh3; marking it safe is sound.
    return mark_safe(render(text))  # noqa: S308
