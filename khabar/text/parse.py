"""One raw document to one outcome: decode, read the format, clean, and take its metadata."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from typing import Any

from khabar.records import Article, ArticleMeta, Outcome, RawDoc, Rejection
from khabar.text import dates, html, metadata
from khabar.text.clean import clean
from khabar.text.decode import Decoded, decode_bytes, is_wide_charset
from khabar.text.digest import body_sha256
from khabar.text.normalize import storage_text, word_count

RECORD_TIME_FIELDS = ("published_at", "published", "date_published", "datePublished", "pubDate", "date")


@dataclass(frozen=True, slots=True)
class ParseSettings:
    min_body_words: int = 20


def parse_document(raw: RawDoc, settings: ParseSettings = ParseSettings()) -> Outcome:
    """Never raises: a document that cannot be read becomes a rejection with its reason."""
    outlet = raw.ref.outlet_hint
    source_uri = raw.ref.source_uri
    try:
        if raw.reject_reason or raw.data is None:
            result: Article | Rejection = Rejection(raw.reject_reason or "unreadable", raw.reject_detail or "")
        elif raw.ref.format == "jsonl":
            record = _record(raw.data)
            if isinstance(record, Rejection):
                result = record
            else:
                source_uri = _str(record.get("url")) or source_uri
                outlet = _str(record.get("outlet")) or outlet
                result, outlet = _article_from_record(raw, record, outlet, settings)
        else:
            hints = ArticleMeta(outlet=outlet, dates=raw.dates)
            result, outlet = _article_from_bytes(raw, raw.data, raw.ref.format, hints, settings)
    except Exception as error:  # one bad document never stops the others
        result = Rejection("parse_error", f"{type(error).__name__}: {error}"[:500])
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
        return _article(raw, storage_text(page.text), _merge(hints, page.meta), settings)
    decoded = decode_bytes(data)
    if not isinstance(decoded, Decoded):
        return decoded, hints.outlet
    return _article(raw, decoded.text, hints, settings)


def _article_from_record(
    raw: RawDoc, record: dict[str, Any], outlet: str | None, settings: ParseSettings
) -> tuple[Article | Rejection, str | None]:
    hints = ArticleMeta(
        title=_str(record.get("title")),
        lede=_str(record.get("lede") or record.get("summary")),
        author=_str(record.get("author")),
        agency=metadata.agency_code(_str(record.get("agency")) or "") or _str(record.get("agency")),
        outlet=outlet,
        dates=raw.dates + tuple(d for f in RECORD_TIME_FIELDS if (d := dates.machine_time(record.get(f), "record"))),
    )
    if _str(record.get("html")):
        return _article_from_bytes(raw, record["html"].encode("utf-8"), "html", hints, settings)
    text = _str(record.get("text") or record.get("body"))
    if text is None:
        return Rejection("no_article_body", "record has no text, body or html field"), outlet
    return _article_from_bytes(raw, text.encode("utf-8"), "text", hints, settings)


def _article(
    raw: RawDoc, text: str, hints: ArticleMeta, settings: ParseSettings
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
