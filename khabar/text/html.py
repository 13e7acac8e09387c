"""HTML pages to dump-shaped text plus the metadata the page declares (JSON-LD, OpenGraph, meta)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import lxml.html
import regex
import trafilatura
from trafilatura import load_html

from khabar.records import ArticleMeta
from khabar.text import dates, metadata
from khabar.text.normalize import drop_surrogates

_META_CHARSET = regex.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", regex.IGNORECASE)
_HTML_MARKERS = regex.compile(rb"<\s*(?:!doctype\s+html|html|head|body|article|div|p)[\s>]", regex.IGNORECASE)
_ARTICLE_TYPES = {
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
}
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "form", "iframe", "nav", "footer", "aside", "header")
_BLOCK_TAGS = ("p", "h2", "h3", "h4", "blockquote", "li")
_BYLINE_BOX = regex.compile(r"(?i)byline|auth(?:or)?[-_]?(?:detail|info|name|box)|dateline|article[-_]?(?:meta|info)")


@dataclass(frozen=True, slots=True)
class Page:
    text: str  # title line, then one block per line
    meta: ArticleMeta


def looks_like_html(data: bytes) -> bool:
    return bool(_HTML_MARKERS.search(data[:65536]))


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first bytes (`<meta charset>` or http-equiv)."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def read_page(html: str) -> Page:
    """The page's own metadata, and its main text: trafilatura's extraction, or the JSON-LD articleBody when
    that is clearly fuller (trafilatura missed the article), or paragraph blocks as a last resort."""
    tree = load_html(html)  # parsed once, as trafilatura parses, and given to it (it works on a copy)
    extracted = ""
    if tree is None:  # not a document trafilatura accepts
        tree = lxml.html.document_fromstring(html)
    else:
        extracted = (
            trafilatura.extract(tree, fast=True, include_comments=False, include_tables=True, deduplicate=False) or ""
        )
    declared = _json_ld(tree)
    meta = _page_meta(tree, declared)
    lines = [line.strip() for line in extracted.split("\n") if line.strip()]
    declared_body = _declared_body(declared)
    if sum(map(len, declared_body)) > 1.25 * sum(map(len, lines)):
        lines = declared_body
    lines = lines or _paragraph_blocks(tree)
    head = [meta.title or "", *_byline_texts(tree)]
    return Page(text="\n".join(line for line in [*head, *lines] if line), meta=meta)


def _byline_texts(tree: Any) -> list[str]:
    """The page's byline and dateline boxes, which extractors leave out: they carry author, place and time."""
    found: list[str] = []
    for node in tree.xpath("//*[@class or @id]"):
        if len(found) >= 3 or not _BYLINE_BOX.search(f"{node.get('class', '')} {node.get('id', '')}"):
            continue
        text = regex.sub(r"\s+", " ", " ".join(node.itertext())).strip()
        if 0 < len(text) <= 200 and not any(text in other for other in found):
            found.append(text)
    return found


def _json_ld(tree: Any) -> dict[str, Any]:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data, _ = drop_surrogates(json.loads(script.text_content()))  # "\\ud800" escapes: no characters
        except (ValueError, TypeError):
            continue
        for item in _flatten(data):
            kinds = item.get("@type")
            kinds = set(kinds) if isinstance(kinds, list) else {kinds}
            if kinds & _ARTICLE_TYPES:
                return item
    return {}


def _flatten(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [item for entry in data for item in _flatten(entry)]
    if isinstance(data, dict):
        return [data, *_flatten(data.get("@graph", []))]
    return []


def _page_meta(tree: Any, declared: dict[str, Any]) -> ArticleMeta:
    def meta_content(*names: str) -> str | None:
        for name in names:
            found = tree.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content')
            if found and found[0].strip():
                return str(found[0]).strip()
        return None

    h1 = tree.xpath("//h1")
    title = (
        _text(declared.get("headline"))
        or meta_content("og:title", "twitter:title")
        or (h1[0].text_content().strip() if h1 else None)
        or (tree.findtext(".//title") or "").strip()
        or None
    )
    author = declared.get("author")
    if isinstance(author, list):
        author = author[0] if author else None
    author_name = _text(author.get("name") if isinstance(author, dict) else author) or meta_content("author")
    publisher = declared.get("publisher")
    outlet = _text(publisher.get("name") if isinstance(publisher, dict) else publisher) or meta_content("og:site_name")
    stated = (
        dates.machine_time(declared.get("datePublished"), "jsonld"),
        dates.machine_time(declared.get("dateCreated"), "jsonld"),
        *(
            dates.machine_time(meta_content(name), "meta")
            for name in ("article:published_time", "og:published_time", "pubdate", "publish-date", "date")
        ),
    )
    return ArticleMeta(
        title=title,
        lede=_text(declared.get("description")) or meta_content("description", "og:description"),
        author=author_name if author_name and not metadata.agency_code(author_name) else None,
        agency=metadata.agency_code(author_name) if author_name else None,
        outlet=outlet,
        dates=tuple(found for found in stated if found),
    )


def _declared_body(declared: dict[str, Any]) -> list[str]:
    """JSON-LD articleBody as lines; some sites put HTML in it."""
    body = _text(declared.get("articleBody"))
    if not body:
        return []
    if "<" in body:
        fragment = lxml.html.fragment_fromstring(body, create_parent="div")
        blocks = [node.text_content().strip() for node in fragment.iter(*_BLOCK_TAGS)]
        return [block for block in blocks if block] or [fragment.text_content().strip()]
    return [line.strip() for line in regex.split(r"\n+", body) if line.strip()]


def _paragraph_blocks(tree: Any) -> list[str]:
    for tag in _DROP_TAGS:
        for node in tree.iter(tag):
            node.drop_tree()
    container = _densest_container(tree)
    blocks = [node.text_content().strip() for node in container.iter(*_BLOCK_TAGS)]
    return [regex.sub(r"\s+", " ", block) for block in blocks if block]


def _densest_container(tree: Any) -> Any:
    """The element whose direct <p> children hold the most text: the article, not the page."""
    best, best_size = tree, 0
    for parent in {p.getparent() for p in tree.iter("p")}:
        if parent is None:
            continue
        size = sum(len(p.text_content()) for p in parent.iterchildren("p"))
        if size > best_size:
            best, best_size = parent, size
    return best


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
