"""The records that flow between steps. All frozen: a step returns new records, never edits old ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Dated:
    """A publication time as one source states it: `at` is a moment for precision `datetime`, else the
    start of the day (`date`) or of the month (`month`) in Asia/Kolkata. `source` is where it was read:
    jsonld, meta, feed, sitemap, record, dump_text or dateline (docs/time-model.md)."""

    at: datetime
    precision: str  # datetime, date or month
    source: str


@dataclass(frozen=True, slots=True)
class InputRef:
    """A discovered input: a file, or one line of a JSONL file."""

    path: str
    source_uri: str
    format: str  # "text", "html" or "jsonl"
    outlet_hint: str | None = None
    line_no: int | None = None


@dataclass(frozen=True)
class Discovered:
    """A run's inputs as one object: Prefect links each element of a list a task returns to the task's run (a
    dict entry per element in the flow run's context, 100,000 of them at 100k inputs), and one object once."""

    refs: tuple[InputRef, ...]


@dataclass(frozen=True, slots=True)
class RawDoc:
    """Raw bytes of one input. `data` is None when the input was refused before reading it whole."""

    doc_id: str
    ref: InputRef
    byte_size: int
    fetched_at: datetime
    data: bytes | None
    reject_reason: str | None = None
    reject_detail: str | None = None
    http_headers: dict[str, str] | None = None
    dates: tuple[Dated, ...] = ()  # what a feed or sitemap that listed the page said of its date


@dataclass(frozen=True, slots=True)
class FileSeen:
    """An input file as it was when its documents were read: a later run skips it while it stays so."""

    source_uri: str
    size: int
    mtime_ns: int
    documents: int = 0  # read from it (a JSONL file: its lines)


@dataclass(frozen=True)
class Known:
    """What the warehouse held before a run: its documents' ids (a file the batch tasks map) and the input
    files, of those found, unchanged since a run read them."""

    ids_path: str
    documents: int
    unchanged: dict[str, int] = field(default_factory=dict)  # source_uri: the documents read from it


@dataclass(frozen=True, slots=True)
class Sighting:
    """One place a document was found. The same bytes can sit in several outlets' folders."""

    doc_id: str
    source_uri: str
    outlet: str | None
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class RemovedBlock:
    seq: int
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    title: str | None = None
    lede: str | None = None
    agency: str | None = None
    author: str | None = None
    dateline_place: str | None = None
    dateline_date: date | None = None
    published_at: datetime | None = None
    outlet: str | None = None
    dates: tuple[Dated, ...] = ()  # publication times stated with the input or by the page, any trust
    published_precision: str | None = None
    published_source: str | None = None
    dateline_day: int | None = None
    dateline_month: int | None = None
    dateline_year_source: str | None = None  # printed, published, weekday (story: set by the writer)


@dataclass(frozen=True, slots=True)
class CleanText:
    """What cleaning keeps and what it takes out, in the original order."""

    paragraphs: tuple[str, ...]
    removed: tuple[RemovedBlock, ...]
    meta: ArticleMeta

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Article:
    article_id: str
    title: str | None
    lede: str | None
    body: str
    agency: str | None
    author: str | None
    dateline_place: str | None
    dateline_date: date | None
    published_at: datetime | None
    language: str
    word_count: int
    body_sha256: str
    removed: tuple[RemovedBlock, ...] = field(default=())
    truncated: bool = False  # the source cut the text short (a news API's "… [1506 chars]")
    repairs: tuple[str, ...] = ()  # what had to be fixed to read the input, for documents.repair_note
    published_precision: str | None = None
    published_source: str | None = None
    dateline_day: int | None = None
    dateline_month: int | None = None
    dateline_year_source: str | None = None  # printed, published, weekday (story: set by the writer)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One document's result: an article, or the reason it has none."""

    doc_id: str
    source_uri: str
    outlet: str | None
    format: str
    fetched_at: datetime
    byte_size: int
    article: Article | None
    rejection: Rejection | None

    @property
    def status(self) -> str:
        return "parsed" if self.article else "rejected"


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One URL's fetch in a run: a feed, a sitemap or an article page, landed or not."""

    url: str
    final_url: str
    source: str | None
    kind: str  # feed, sitemap or page
    outcome: str  # landed, listed (a feed or sitemap read), not_modified, failed
    fetched_at: datetime
    reason: str | None = None
    detail: str | None = None
    http_status: int | None = None
    attempts: int = 0
    seconds: float = 0.0
    doc_id: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retryable: bool = False
