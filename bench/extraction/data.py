"""The three datasets, read into one shape: an id, the page (HTML or a text dump) and what to score it against."""

from __future__ import annotations

import codecs
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from bench.corpus import SHARED

ZYTE = SHARED / "benchmarks" / "article-extraction"
HINDI = SHARED / "benchmarks" / "hindi-pages"
GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "golden"
_CHARSET = regex.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", regex.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    content: str
    is_html: bool = True
    gold: str = ""  # reference text, for shingle scores
    keep: list[str] = field(default_factory=list)  # snippets, for fixtures
    drop: list[str] = field(default_factory=list)
    url: str = ""


def decode(data: bytes) -> str:
    """A BOM, else the charset a <meta> declares, else UTF-8; undecodable bytes become U+FFFD."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if match := _CHARSET.search(data[:4096]):
        try:
            return data.decode(codecs.lookup(match.group(1).decode("ascii")).name, errors="replace")
        except LookupError:
            pass
    return data.decode("utf-8", errors="replace")


def _gunzip(path: Path) -> str:
    return decode(gzip.decompress(path.read_bytes()))


def zyte() -> list[Item]:
    truth: dict[str, dict[str, Any]] = json.loads((ZYTE / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Item(key, _gunzip(ZYTE / "html" / f"{key}.html.gz"), True, value["articleBody"], url=value.get("url", ""))
        for key, value in sorted(truth.items())
    ]


def bhaskar() -> list[Item]:
    """fundus test page: gold = the parser's summary, section headlines and paragraphs (title excluded)."""
    body = json.loads((HINDI / "Bhaskar.json").read_text(encoding="utf-8"))["V1"]["body"]
    parts = [*body["summary"], *(text for s in body["sections"] for text in (*s["headline"], *s["paragraphs"]))]
    return [Item("Bhaskar_2024_09_04", _gunzip(HINDI / "Bhaskar_2024_09_04.html.gz"), True, "\n\n".join(parts))]


def golden() -> list[Item] | None:
    """tests/fixtures/golden: *.html / *.txt with golden.json {file: {"keep": [...], "drop": [...]}}; None if absent."""
    index = GOLDEN / "golden.json"
    if not index.is_file():
        return None
    raw = json.loads(index.read_text(encoding="utf-8"))
    entries = raw.get("files", raw) if isinstance(raw, dict) else raw
    if isinstance(entries, list):  # [{"file": ..., "keep": ..., "drop": ...}]
        entries = {e.get("file") or e.get("name") or e["path"]: e for e in entries}
    items = []
    for name, entry in sorted(entries.items()):
        path = GOLDEN / name
        if not path.is_file():  # named without its extension
            path = next(iter(sorted(GOLDEN.glob(f"{name}.*"))), path)
        is_html = path.suffix.lower() in (".html", ".htm")
        items.append(
            Item(name, decode(path.read_bytes()), is_html, keep=entry.get("keep", []), drop=entry.get("drop", []))
        )
    return items
