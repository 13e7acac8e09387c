"""Article URLs out of RSS/Atom feeds and XML sitemaps (plain, indexes, gzipped). Parsing only."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import feedparser
from lxml import etree

from khabar.records import Dated
from khabar.text.dates import machine_time

GZIP_MAGIC = b"\x1f\x8b"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


class FeedError(ValueError):
    """A feed or sitemap that cannot be read."""


@dataclass(frozen=True, slots=True)
class Listed:
    """A page URL as a feed or sitemap lists it, with the publication time it states, if any."""

    url: str
    dates: tuple[Dated, ...] = ()


@dataclass(frozen=True, slots=True)
class Sitemap:
    is_index: bool
    locations: tuple[str, ...]  # child sitemaps of an index, else page URLs
    pages: tuple[Listed, ...] = ()  # of a urlset: its URLs with their news:publication_date or lastmod


def feed_links(data: bytes) -> list[str]:
    """The item links of an RSS or Atom feed, in feed order."""
    return [entry.url for entry in feed_entries(data)]


def feed_entries(data: bytes) -> list[Listed]:
    """The items of an RSS or Atom feed, in feed order: the link, and the item's date (RSS `pubDate`, Atom
    `published`, else `updated`) as written, not as feedparser rounds it to UTC."""
    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries:
        raise FeedError(f"not a feed: {parsed.get('bozo_exception', 'unreadable')}")
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or next((x.get("href") for x in entry.get("links", []) if x.get("href")), None)
        if link:
            stated = machine_time(entry.get("published"), "feed") or machine_time(entry.get("updated"), "feed")
            entries.append(Listed(str(link), (stated,) if stated else ()))
    return entries


def read_sitemap(data: bytes, max_bytes: int) -> Sitemap:
    """A sitemap or sitemap index; gzip (.xml.gz) is unpacked, up to `max_bytes` unpacked."""
    if data.startswith(GZIP_MAGIC):
        data = _gunzip(data, max_bytes)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise FeedError(f"not XML: {error}") from None
    if root is None:
        raise FeedError("not XML: empty document")
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise FeedError(f"not a sitemap: the root element is <{kind}>")
    child = "sitemap" if kind == "sitemapindex" else "url"
    pages = [_entry(entry) for entry in root if isinstance(entry.tag, str) and etree.QName(entry).localname == child]
    found = tuple(page for page in pages if page.url)
    return Sitemap(kind == "sitemapindex", tuple(page.url for page in found), () if kind == "sitemapindex" else found)


def _entry(entry: etree._Element) -> Listed:
    """A sitemap's <url> or <sitemap>: its <loc>, and the page's date, Google News' publication date
    before the lastmod (a modification time, the weaker word)."""
    values: dict[str, str] = {}
    for node in entry.iter():
        if isinstance(node.tag, str):
            values.setdefault(etree.QName(node).localname, (node.text or "").strip())
    loc = next((c.text or "" for c in entry if isinstance(c.tag, str) and etree.QName(c).localname == "loc"), "")
    stated = machine_time(values.get("publication_date"), "sitemap") or machine_time(values.get("lastmod"), "sitemap")
    return Listed(loc.strip(), (stated,) if stated else ())


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as error:
        raise FeedError(f"bad gzip data: {error}") from None
    if len(out) > max_bytes:
        raise FeedError(f"unpacks to more than {max_bytes} bytes")
    return out
