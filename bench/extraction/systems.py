"""The systems under test. Each is one function from decoded HTML to plain text; add one to `SYSTEMS`."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import lxml.html
import trafilatura
from readability import Document

from khabar.text.clean import clean
from khabar.text.html import read_page
from khabar.text.normalize import storage_text

Extractor = Callable[[str], str]
_BLOCKS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "br", "td", "th")


def khabar_extract(html: str) -> str:
    """What `khabar ingest` keeps of an HTML page: read_page, storage_text (as parse.py does), clean; no title."""
    page = read_page(html)
    return clean(storage_text(page.text), page.meta).body


def khabar_extract_text(text: str) -> str:
    """khabar reads text dumps natively: clean() straight on the text."""
    return clean(storage_text(text)).body


def trafilatura_extract(html: str) -> str:
    return trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=False) or ""


def trafilatura_recall_extract(html: str) -> str:
    return trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True) or ""


def readability_extract(html: str) -> str:
    """readability-lxml's summary() as text; a newline after each block so words of adjacent blocks stay apart."""
    tree = lxml.html.fromstring(Document(html).summary())
    for node in tree.iter(*_BLOCKS):
        node.tail = "\n" + (node.tail or "")
    return tree.text_content()


SYSTEMS: dict[str, Extractor] = {
    "khabar": khabar_extract,
    "trafilatura": trafilatura_extract,
    "trafilatura recall": trafilatura_recall_extract,
    "readability-lxml": readability_extract,
}
# Systems that read plain-text dumps themselves; the others get `text_as_html(text)`.
TEXT_NATIVE: dict[str, Extractor] = {"khabar": khabar_extract_text}


def text_as_html(text: str) -> str:
    """A text dump as a minimal page: each non-blank line a <p> inside <html><body><article>."""
    paragraphs = "".join(f"<p>{escape(line.strip())}</p>\n" for line in text.splitlines() if line.strip())
    return f"<html><body><article>\n{paragraphs}</article></body></html>"


def for_text(name: str) -> Extractor:
    """The extractor a system uses on a plain-text dump."""
    if name in TEXT_NATIVE:
        return TEXT_NATIVE[name]
    extract = SYSTEMS[name]
    return lambda text: extract(text_as_html(text))
