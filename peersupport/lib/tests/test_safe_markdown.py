"""Markdown renders as prose and nothing in it can run."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from peersupport.lib.safe_markdown import render


def test_prose_renders() -> None:
    html = render(
        "# Listening\n\nLook at the **speaker**.\n\n- nod\n- wait\n\n[More](https://example.org)"
    )
    assert "<h1>Listening</h1>" in html and "<strong>speaker</strong>" in html
    assert "<li>nod</li>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer"' in html


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The real elements and attributes in ``html`` (escaped text is not one)."""

    class Collector(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found.append((tag, attrs))

    collector = Collector()
    collector.feed(html)
    return collector.found


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="#" onclick="alert(1)">click</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<iframe src="https://evil.example"></iframe>',
        "![x](javascript:alert(1))",
        '<svg onload="alert(1)">',
    ],
)
def test_nothing_can_run(attack: str) -> None:
    for tag, attributes in elements(render(attack)):
        assert tag not in {"script", "iframe", "img", "svg", "object", "embed", "style"}
        for name, value in attributes:
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert (value or "").split(":", 1)[0].lower() in {"http", "https", "mailto"}, value


def test_escaped_markup_stays_visible_as_text() -> None:
    assert "&lt;script&gt;" in render("<script>alert(1)</script>")
