"""Markdown is rendered without raw HTML and sanitised."""

from __future__ import annotations

from proposals.rendering import render_markdown


def test_markdown_renders() -> None:
    html = render_markdown("# Başlık\n\n**Kalın** ve _eğik_ ~~silik~~.\n\n- bir\n- iki")
    assert "<h1>Başlık</h1>" in html
    assert "<strong>Kalın</strong>" in html
    assert "<em>eğik</em>" in html
    assert "<s>silik</s>" in html or "<del>silik</del>" in html
    assert "<li>bir</li>" in html


def test_tables_render() -> None:
    html = render_markdown("| a | b |\n|---|--:|\n| ç | ğ |")
    assert "<table>" in html and "<td>ç</td>" in html
    assert "style" not in html


def test_raw_html_is_not_markup() -> None:
    html = render_markdown('<script>alert("x")</script>\n\n<b onclick="x()">kalın</b>')
    assert "<script" not in html and "<b" not in html
    assert "&lt;script&gt;" in html


def test_links_are_safe() -> None:
    html = render_markdown("[site](https://ikhm.org) [kötü](javascript:alert(1))")
    assert 'href="https://ikhm.org"' in html
    assert 'rel="noopener noreferrer"' in html
    assert 'href="javascript' not in html


def test_no_images_from_other_sites() -> None:
    html = render_markdown("![resim](https://example.com/izle.png)")
    assert "<img" not in html
