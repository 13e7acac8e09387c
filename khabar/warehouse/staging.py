"""The warehouse's staged tables: a batch's outcomes written as Parquet files by the workers, for the
single writer to load. Imports no DuckDB, so workers can use it."""

from __future__ import annotations

import contextlib
import ctypes
import re
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from khabar import config
from khabar.config import DedupSettings
from khabar.grouping.windows import PARAGRAPH_BAND, Compact, compact_bodies
from khabar.records import FetchRecord, FileSeen, Outcome, Sighting
from khabar.text.search import search_key
from khabar.text.templates import zone_units

# Arrow's buffers from malloc, not its bundled mimalloc, which held more at a batch's peak (30 batches of 1,000 dumps
# in one process: 346-411 MiB against 402-473) and which malloc_trim (release_freed_memory) does not give back.
if not config.arrow_pool_is_set():
    pa.set_memory_pool(pa.system_memory_pool())

_TS = pa.timestamp("us", tz="UTC")
DOCUMENTS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source_uri", pa.string()),
        ("outlet", pa.string()),
        ("fetched_at", _TS),
        ("byte_size", pa.int64()),
        ("status", pa.string()),
        ("reject_reason", pa.string()),
        ("reject_detail", pa.string()),
        ("format", pa.string()),
        ("repair_note", pa.string()),
    ]
)
ARTICLES = pa.schema(
    [
        ("article_id", pa.string()),
        ("doc_id", pa.string()),
        ("source_uri", pa.string()),
        ("outlet", pa.string()),
        ("title", pa.string()),
        ("lede", pa.string()),
        ("body", pa.string()),
        ("agency", pa.string()),
        ("author", pa.string()),
        ("dateline_place", pa.string()),
        ("dateline_date", pa.date32()),
        ("published_at", _TS),
        ("language", pa.string()),
        ("word_count", pa.int32()),
        ("body_sha256", pa.string()),
        ("fetched_at", _TS),
        ("truncated", pa.bool_()),
        ("published_precision", pa.string()),
        ("published_source", pa.string()),
        ("dateline_day", pa.int8()),
        ("dateline_month", pa.int8()),
        ("dateline_year_source", pa.string()),
    ]
)
REMOVED_BLOCKS = pa.schema(
    [
        ("article_id", pa.string()),
        ("seq", pa.int32()),
        ("kind", pa.string()),
        ("text", pa.string()),
    ]
)
LSH_BANDS = pa.schema([("article_id", pa.string()), ("band", pa.int16()), ("bucket", pa.int64())])
ZONE_UNITS = pa.schema(
    [("article_id", pa.string()), ("fingerprint", pa.int64()), ("zone", pa.string()), ("text", pa.string())]
)
ARTICLE_SHINGLES = pa.schema(
    [
        ("article_id", pa.string()),
        ("windows", pa.binary()),
        ("paragraph_words", pa.list_(pa.int32())),
        ("short_windows", pa.binary()),
        ("numbers", pa.list_(pa.string())),
    ]
)
# Title, lede and body folded for search (khabar/text/search.py), by the workers, so the writer folds nothing.
ARTICLE_SEARCH = pa.schema(
    [("article_id", pa.string()), ("title", pa.string()), ("lede", pa.string()), ("body", pa.string())]
)
SIGHTINGS = pa.schema([("doc_id", pa.string()), ("source_uri", pa.string()), ("outlet", pa.string()), ("seen_at", _TS)])
INPUT_FILES = pa.schema(
    [("source_uri", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64()), ("documents", pa.int32())]
)
FETCHES = pa.schema(
    [
        ("url", pa.string()),
        ("final_url", pa.string()),
        ("source", pa.string()),
        ("kind", pa.string()),
        ("outcome", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("http_status", pa.int32()),
        ("attempts", pa.int32()),
        ("seconds", pa.float64()),
        ("doc_id", pa.string()),
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        ("retryable", pa.bool_()),
        ("fetched_at", _TS),
    ]
)
TABLES = {
    "documents": DOCUMENTS,
    "articles": ARTICLES,
    "removed_blocks": REMOVED_BLOCKS,
    "sightings": SIGHTINGS,
    "lsh_bands": LSH_BANDS,
    "zone_units": ZONE_UNITS,
    "article_search": ARTICLE_SEARCH,
}


# Arrow takes only valid UTF-8. A str can hold what UTF-8 cannot: lone surrogates, from a JSON "\\ud800" escape or
# from a file name that is not UTF-8 (Python keeps each such byte as U+DC80..U+DCFF).
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(value: str) -> str:
    """`value` with every lone surrogate written out: a non-UTF-8 byte of a name as \\xe9, others as \\ud800."""
    return _SURROGATE.sub(_escape, value)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def arrow_table(rows: list[dict[str, object]], schema: pa.Schema) -> pa.Table:
    """Rows as an Arrow table. The sources make their values safe; any lone surrogate still left is written out
    here, the one place every staged value passes, so that no value can fail a batch, and so the run."""
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except UnicodeEncodeError:
        safe = [{k: safe_text(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]
        return pa.Table.from_pylist(safe, schema=schema)


@dataclass(frozen=True)
class StagedBatch:
    """Where a batch's rows wait for the load, and what they add up to."""

    directory: str
    seen: int
    documents: int
    articles: int
    rejects: dict[str, int] = field(default_factory=dict)

    def table(self, name: str) -> str:
        return str(Path(self.directory) / f"{name}.parquet")


def shingle_table(kept: Mapping[str, Compact]) -> pa.Table:
    """Compact shingles as `article_shingles` rows: windows as little-endian UINTEGER bytes."""
    return pa.table(
        {
            "article_id": pa.array(list(kept), pa.string()),
            "windows": pa.array([k.windows.astype("<u4").tobytes() for k in kept.values()], pa.binary()),
            "paragraph_words": pa.array([list(k.paragraph_words) for k in kept.values()], pa.list_(pa.int32())),
            "short_windows": pa.array([k.short.astype("<u4").tobytes() for k in kept.values()], pa.binary()),
            "numbers": pa.array([sorted(k.numbers) for k in kept.values()], pa.list_(pa.string())),
        },
        schema=ARTICLE_SHINGLES,
    )


def band_rows(compact: Compact) -> list[tuple[int, int]]:
    """(band, bucket) rows of lsh_bands for an article: its whole-body bands, then its paragraph keys."""
    return [*enumerate(compact.bands), *((PARAGRAPH_BAND, key) for key in compact.paragraph_keys)]


def stage(
    outcomes: list[Outcome],
    sightings: list[Sighting],
    staging_root: str,
    fetches: Sequence[FetchRecord] = (),
    kept: Mapping[str, Compact] | None = None,
    files: Sequence[FileSeen] = (),
) -> StagedBatch:
    """Write a batch's rows; `kept` holds each parsed article's compact shingles and LSH bands, `files` the input
    files read whole."""
    kept = kept or {}
    directory = Path(staging_root) / uuid.uuid4().hex
    directory.mkdir(parents=True)
    if files:
        seen = [
            {"source_uri": f.source_uri, "size": f.size, "mtime_ns": f.mtime_ns, "documents": f.documents}
            for f in files
        ]
        pq.write_table(arrow_table(seen, INPUT_FILES), directory / "input_files.parquet")
    if fetches:
        log = [{name: getattr(record, name) for name in FETCHES.names} for record in fetches]
        pq.write_table(arrow_table(log, FETCHES), directory / "fetches.parquet")
    rows: dict[str, list[dict[str, object]]] = {name: [] for name in TABLES}
    rows["sightings"] = [
        {"doc_id": s.doc_id, "source_uri": s.source_uri, "outlet": s.outlet, "seen_at": s.seen_at} for s in sightings
    ]
    for outcome in outcomes:
        rows["documents"].append(
            {
                "doc_id": outcome.doc_id,
                "source_uri": outcome.source_uri,
                "outlet": outcome.outlet,
                "fetched_at": outcome.fetched_at,
                "byte_size": outcome.byte_size,
                "status": outcome.status,
                "reject_reason": outcome.rejection.reason if outcome.rejection else None,
                "reject_detail": outcome.rejection.detail if outcome.rejection else None,
                "format": outcome.format,
                "repair_note": "; ".join(outcome.article.repairs)
                if outcome.article and outcome.article.repairs
                else None,
            }
        )
        article = outcome.article
        if article is None:
            continue
        rows["articles"].append(
            {
                "article_id": article.article_id,
                "doc_id": outcome.doc_id,
                "source_uri": outcome.source_uri,
                "outlet": outcome.outlet,
                "title": article.title,
                "lede": article.lede,
                "body": article.body,
                "agency": article.agency,
                "author": article.author,
                "dateline_place": article.dateline_place,
                "dateline_date": article.dateline_date,
                "published_at": article.published_at,
                "language": article.language,
                "word_count": article.word_count,
                "body_sha256": article.body_sha256,
                "fetched_at": outcome.fetched_at,
                "truncated": article.truncated,
                "published_precision": article.published_precision,
                "published_source": article.published_source,
                "dateline_day": article.dateline_day,
                "dateline_month": article.dateline_month,
                "dateline_year_source": article.dateline_year_source,
            }
        )
        rows["article_search"].append(
            {
                "article_id": article.article_id,
                "title": search_key(article.title),
                "lede": search_key(article.lede),
                "body": search_key(article.body),
            }
        )
        rows["lsh_bands"].extend(
            {"article_id": article.article_id, "band": band, "bucket": bucket}
            for band, bucket in band_rows(kept[article.article_id])
        )
        rows["zone_units"].extend(
            {"article_id": article.article_id, "fingerprint": u.fingerprint, "zone": u.zone, "text": u.text}
            for u in zone_units(article.body, article.lede)
        )
        rows["removed_blocks"].extend(
            {"article_id": article.article_id, "seq": block.seq, "kind": block.kind, "text": block.text}
            for block in article.removed
        )
    parsed = [o.article.article_id for o in outcomes if o.article]
    pq.write_table(shingle_table({a: kept[a] for a in parsed}), directory / "article_shingles.parquet")
    for name, schema in TABLES.items():
        pq.write_table(arrow_table(rows[name], schema), directory / f"{name}.parquet")
    rejects = Counter(o.rejection.reason for o in outcomes if o.rejection)
    return StagedBatch(str(directory), len(sightings), len(outcomes), len(rows["articles"]), dict(rejects))


def stage_parsed(
    outcomes: list[Outcome],
    sightings: list[Sighting],
    staging_root: str,
    dedup: DedupSettings = DedupSettings(),
    files: Sequence[FileSeen] = (),
) -> StagedBatch:
    """Stage parsed outcomes with their bodies' compact shingles and LSH bands, so the writer never
    tokenizes a body."""
    bodies = {o.article.article_id: o.article.body for o in outcomes if o.article}
    kept = dict(zip(bodies, compact_bodies(list(bodies.values()), dedup, bands=True), strict=True))
    return stage(outcomes, sightings, staging_root, kept=kept, files=files)


def release_freed_memory() -> None:
    """Give back to the system what a batch or a chunk freed: Arrow's pool keeps freed buffers, and glibc's
    malloc the freed heap, so a worker that parsed a batch holds its peak while it waits for the next (and the
    run's process tree its workers' peaks while the writer finishes)."""
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)
