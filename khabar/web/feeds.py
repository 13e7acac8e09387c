"""Article URLs out of RSS/Atom feeds and XML sitemaps (plain, indexes, gzipped). Parsing only."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import feedparser
from lxml import etree

GZIP_MAGIC = b"\x1f\x8b"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)


class FeedError(ValueError):
    """A feed or sitemap that cannot be read."""


@dataclass(frozen=True, slots=True)
class Sitemap:
    is_index: bool
    locations: tuple[str, ...]  # child sitemaps of an index, else page URLs


def feed_links(data: bytes) -> list[str]:
    """The item links of an RSS or Atom feed, in feed order."""
    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries:
        raise FeedError(f"not a feed: {parsed.get('bozo_exception', 'unreadable')}")
    links = []
    for entry in parsed.entries:
        link = entry.get("link") or next((x.get("href") for x in entry.get("links", []) if x.get("href")), None)
        if link:
            links.append(str(link))
    return links


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
    locations = [
        (loc.text or "").strip()
        for entry in root
        if isinstance(entry.tag, str) and etree.QName(entry).localname == child
        for loc in entry
        if isinstance(loc.tag, str) and etree.QName(loc).localname == "loc"
    ]
    return Sitemap(kind == "sitemapindex", tuple(loc for loc in locations if loc))


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except zlib.error as error:
        raise FeedError(f"bad gzip data: {error}") from None
    if len(out) > max_bytes:
        raise FeedError(f"unpacks to more than {max_bytes} bytes")
    return out
