"""One raw document to one outcome: decode, read the format, clean, and take its metadata."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields, replace
from typing import Any

from khabar.records import Article, ArticleMeta, Outcome, RawDoc, Rejection
from khabar.text import dates, html, metadata
from khabar.text.clean import clean
from khabar.text.decode import Decoded, decode_bytes, is_wide_charset
from khabar.text.digest import body_sha256
from khabar.text.normalize import drop_surrogates, storage_text, word_count

RECORD_TIME_FIELDS = ("published_at", "publishedAt", "published", "date_published", "datePublished", "pubDate", "date")


@dataclass(frozen=True, slots=True)
class ParseSettings:
    min_body_words: int = 20
    min_summary_words: int = 5  # a news API record whose content is only navigation keeps its description


# A news API's truncation marker at the end of `content`: GNews "... [1506 chars]", NewsAPI "… [+1506 chars]".
_SENTENCE_ENDS = ("।", ".", "!", "?", '"', "”", "’", ")", "॥")
_TRUNCATED = re.compile(r"\s*(?:…|\.\.\.)?\s*\[\+?\d[\d,]* ?chars?\]\s*$")


def parse_document(raw: RawDoc, settings: ParseSettings = ParseSettings()) -> Outcome:
    """Never raises: a document that cannot be read becomes a rejection with its reason."""
    outlet = raw.ref.outlet_hint
    source_uri = raw.ref.source_uri
    dropped = 0  # lone surrogates taken out of a record's strings
    try:
        if raw.reject_reason or raw.data is None:
            result: Article | Rejection = Rejection(raw.reject_reason or "unreadable", raw.reject_detail or "")
        elif raw.ref.format == "jsonl":
            record = _record(raw.data)
            if isinstance(record, Rejection):
                result = record
            else:
                record, dropped = drop_surrogates(record)
                source_uri = _str(record.get("url")) or source_uri
                outlet = _str(record.get("outlet")) or _source_name(record) or outlet
                result, outlet = _article_from_record(raw, record, outlet, settings)
        else:
            hints = ArticleMeta(outlet=outlet, dates=raw.dates)
            result, outlet = _article_from_bytes(raw, raw.data, raw.ref.format, hints, settings)
        result, source_uri, outlet = _finish(result, source_uri, outlet, dropped)
    except Exception as error:  # one bad document never stops the others
        result = Rejection("parse_error", _without_surrogates(f"{type(error).__name__}: {error}"[:500])[0])
    article = result if isinstance(result, Article) else None
    rejection = result if isinstance(result, Rejection) else None
    return Outcome(raw.doc_id, source_uri, outlet, raw.ref.format, raw.fetched_at, raw.byte_size, article, rejection)


def parse_batch(raws: list[RawDoc], settings: ParseSettings = ParseSettings()) -> list[Outcome]:
    return [parse_document(raw, settings) for raw in raws]


def _article_from_bytes(
    raw: RawDoc, data: bytes, fmt: str, hints: ArticleMeta, settings: ParseSettings
) -> tuple[Article | Rejection, str | None]:
    if fmt == "html":
        declared = (raw.http_headers or {}).get("charset") or html.declared_charset(data)
        wide = is_wide_charset(declared)  # UTF-16/32 markup is not ASCII-compatible: look after decoding
        if not wide and not html.looks_like_html(data):
            return Rejection("not_html", "no HTML markup in the content"), hints.outlet
        decoded = decode_bytes(data, declared)
        if not isinstance(decoded, Decoded):
            return decoded, hints.outlet
        if wide and not html.looks_like_html(decoded.text[:65536].encode()):
            return Rejection("not_html", "no HTML markup in the content"), hints.outlet
        page = html.read_page(decoded.text)
        return _article(raw, storage_text(page.text), _merge(hints, page.meta), settings, decoded.notes)
    decoded = decode_bytes(data)
    if not isinstance(decoded, Decoded):
        return decoded, hints.outlet
    return _article(raw, decoded.text, hints, settings, decoded.notes)


def _article_from_record(
    raw: RawDoc, record: dict[str, Any], outlet: str | None, settings: ParseSettings
) -> tuple[Article | Rejection, str | None]:
    """A JSONL record: khabar's own field names, or a news API's (GNews, NewsAPI: `description`, `content`,
    `publishedAt`, `source.name`). An API's `content` is often cut short with a marker ("… [+1506 chars]"): the
    marker is dropped and the article marked truncated. A record whose content holds no article (only the
    site's navigation, or nothing) but which has a description keeps the description as its body."""
    summary = _str(record.get("lede") or record.get("summary") or record.get("description"))
    hints = ArticleMeta(
        title=_str(record.get("title")),
        lede=summary,
        author=_str(record.get("author")),
        agency=metadata.agency_code(_str(record.get("agency")) or "") or _str(record.get("agency")),
        outlet=outlet,
        dates=raw.dates + tuple(d for f in RECORD_TIME_FIELDS if (d := dates.machine_time(record.get(f), "record"))),
    )
    if _str(record.get("html")):
        return _article_from_bytes(raw, record["html"].encode("utf-8"), "html", hints, settings)
    text = _str(record.get("text") or record.get("body") or record.get("content"))
    truncated = False
    if text is not None:
        marker = _TRUNCATED.search(text)
        if marker:
            text, truncated = _cut_clean(text[: marker.start()]), True
    result: Article | Rejection = Rejection("no_article_body", "record has no text, body, content or html field")
    if text is not None:
        result, outlet = _article_from_bytes(raw, text.encode("utf-8"), "text", hints, settings)
    if isinstance(result, Article):
        return replace(result, truncated=truncated), outlet
    if summary is None or result.reason != "no_article_body":
        return result, outlet
    brief = replace(settings, min_body_words=settings.min_summary_words)
    fallback, outlet = _article_from_bytes(raw, summary.encode("utf-8"), "text", replace(hints, lede=None), brief)
    if isinstance(fallback, Article):  # the summary is all the record gives of the article: cut short
        note = f"body from the record's description: its content had none ({result.detail})"
        return replace(fallback, truncated=True, repairs=(*fallback.repairs, note)), outlet
    return result, outlet


def _cut_clean(text: str) -> str | None:
    """Text an API cut at a character count, without the word it cut in two."""
    text = text.rstrip()
    if not text.endswith(_SENTENCE_ENDS):
        head, _, _ = text.rpartition(" ")
        text = head.rstrip() if head.strip() else text
    return text or None


def _source_name(record: dict[str, Any]) -> str | None:
    """A news API's `source: {"name": ...}` (GNews, NewsAPI), or a plain `source` name."""
    source = record.get("source")
    return _str(source.get("name")) if isinstance(source, dict) else _str(source)


def _finish(
    result: Article | Rejection, source_uri: str, outlet: str | None, dropped: int = 0
) -> tuple[Article | Rejection, str, str | None]:
    """The end of parsing: no value leaves with a lone surrogate, and no body or title with U+FFFD (a character
    lost before khabar read the input: the text is not what was written)."""
    source_uri, in_uri = _without_surrogates(source_uri)
    outlet, in_outlet = _without_surrogates(outlet) if outlet else (outlet, 0)
    if isinstance(result, Rejection):
        return replace(result, detail=_without_surrogates(result.detail)[0]), source_uri, outlet or None
    dropped += in_uri + in_outlet
    values: dict[str, Any] = {}
    texts = [getattr(result, name) or "" for name in _TEXT_FIELDS] + [block.text for block in result.removed]
    if drop_surrogates("\n".join(texts))[1]:  # one scan of everything; the rare case then field by field
        values = _surrogates_dropped(result)
        dropped += values.pop("dropped")
    if "body" in values:
        values.update(body_sha256=body_sha256(values["body"]), word_count=word_count(values["body"]))
    article = replace(result, **values) if values else result
    for name in ("body", "title"):
        lost = (getattr(article, name) or "").count("\ufffd")
        if lost:
            detail = f"{lost} replacement characters (U+FFFD) in the {name}: characters lost before khabar read it"
            return Rejection("undecodable", detail), source_uri, outlet or None
    garbled: dict[str, Any] = {  # a garbled secondary value is dropped, not stored
        name: None for name in ("lede", "author", "dateline_place") if "\ufffd" in (getattr(article, name) or "")
    }
    if garbled:
        article = replace(article, **garbled)
    if dropped:
        note = f"dropped {dropped} lone surrogates (halves of UTF-16 pairs, not characters)"
        article = replace(article, repairs=(*article.repairs, note))
    return article, source_uri, outlet or None


_TEXT_FIELDS = ("title", "lede", "body", "agency", "author", "dateline_place")


def _surrogates_dropped(result: Article) -> dict[str, Any]:
    """The article's text fields that held lone surrogates, without them, and `dropped`: how many there were."""
    values: dict[str, Any] = {"dropped": 0}
    for name in _TEXT_FIELDS:
        value = getattr(result, name)
        if isinstance(value, str):
            value, count = _without_surrogates(value)
            if count:
                values["dropped"] += count
                values[name] = value.strip() or (None if name != "body" else "")
    in_blocks = sum(_without_surrogates(block.text)[1] for block in result.removed)
    if in_blocks:
        values["dropped"] += in_blocks
        values["removed"] = tuple(replace(b, text=_without_surrogates(b.text)[0]) for b in result.removed)
    return values


def _without_surrogates(value: str) -> tuple[str, int]:
    cleaned, count = drop_surrogates(value)
    return str(cleaned), count


def _article(
    raw: RawDoc, text: str, hints: ArticleMeta, settings: ParseSettings, repairs: tuple[str, ...] = ()
) -> tuple[Article | Rejection, str | None]:
    # A relative time ("3 hours ago") counts from the moment a page was downloaded, which only khabar's own
    # fetches know; a file's read time says nothing of when it was saved.
    cleaned = clean(text, hints, raw.fetched_at, fetched_live=raw.http_headers is not None)
    meta = cleaned.meta
    body = cleaned.body
    words = word_count(body)
    if words < settings.min_body_words:
        return Rejection("no_article_body", f"{words} words of article text after cleaning"), meta.outlet
    article = Article(
        article_id=raw.doc_id,
        title=meta.title,
        lede=meta.lede,
        body=body,
        agency=meta.agency,
        author=meta.author,
        dateline_place=meta.dateline_place,
        dateline_date=meta.dateline_date,
        published_at=meta.published_at,
        published_precision=meta.published_precision,
        published_source=meta.published_source,
        dateline_day=meta.dateline_day,
        dateline_month=meta.dateline_month,
        dateline_year_source=meta.dateline_year_source,
        language=metadata.language_of(body),
        word_count=words,
        body_sha256=body_sha256(body),
        removed=cleaned.removed,
        repairs=repairs,
    )
    return article, meta.outlet


def _merge(hints: ArticleMeta, page: ArticleMeta) -> ArticleMeta:
    """Values given with the input win over what the page says of itself; of dates, each source keeps its
    trust (docs/time-model.md), so all are passed on."""
    given = {f.name: v for f in fields(hints) if f.name != "dates" and (v := getattr(hints, f.name)) is not None}
    return replace(page, **given, dates=page.dates + hints.dates)


def _record(data: bytes) -> dict[str, Any] | Rejection:
    try:
        record = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        return Rejection("invalid_json", str(error)[:200])
    if not isinstance(record, dict):
        return Rejection("invalid_json", "a JSONL line must hold an object")
    return record


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
