"""Discovery (feeds, sitemaps, URL lists) and downloads to the landing folder, for one run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from khabar.inputs.landing import PageMeta, land
from khabar.records import Dated, FetchRecord, InputRef, RawDoc
from khabar.web.feeds import FeedError, Listed, feed_entries, read_sitemap
from khabar.web.http import Failure, Fetcher, Response, Validators
from khabar.web.sources import Source, SourcesConfig
from khabar.web.urls import BadURL, normalize_url

MAX_SITEMAPS = 200  # per source and run, index children included
DEFERRED = "deferred"  # the reason of a page not fetched because the run ran out of time or pages: next run
Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    source: str
    dates: tuple[Dated, ...] = ()  # what the feeds and sitemaps that listed it said of its date


@dataclass(frozen=True, slots=True)
class History:
    """What earlier runs learned: validators for conditional GETs, and each source's sitemaps."""

    validators: dict[str, Validators] = field(default_factory=dict)
    sitemaps: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Discovery:
    targets: tuple[Target, ...]
    records: tuple[FetchRecord, ...]  # the feeds and sitemaps read


def discover(config: SourcesConfig, fetcher: Fetcher, history: History, log: Log = lambda _: None) -> Discovery:
    """Article URLs of every source, normalized and de-duplicated, in the order found."""
    targets: dict[str, Target] = {}
    records: list[FetchRecord] = []
    for source in config.sources:
        found = [Listed(url) for url in source.urls]
        for feed in source.feeds:
            found += _listed(source, feed, "feed", fetcher, history, records, lambda r: feed_entries(r.body))
        found += _sitemap_urls(source, config.fetch.max_bytes * 4, fetcher, history, records)
        kept = 0
        for listed in found:
            url = listed.url
            if url in targets:  # listed again, by a feed and a sitemap: the page keeps every date stated
                known = targets[url]
                targets[url] = replace(known, dates=known.dates + listed.dates)
            elif url in source.urls or source.is_article(url):
                targets[url] = Target(url, source.name, listed.dates)
                kept += 1
        log(f"{source.name}: {kept} article URLs from {len(found)} listed")
    return Discovery(tuple(targets.values()), tuple(records))


def download(
    targets: Iterable[Target],
    config: SourcesConfig,
    fetcher: Fetcher,
    landing_dir: str,
    log: Log = lambda _: None,
) -> list[FetchRecord]:
    """Fetch article pages side by side (each host at its own rate) and land each good one."""
    sources = {source.name: source for source in config.sources}

    def fetch(target: Target) -> FetchRecord:
        if fetcher.out_of_time():
            return deferred([target], "the run's time budget (fetch.time_budget) is spent")[0]
        source = sources[target.source]
        result = fetcher.get(target.url, source.allowed_hosts, source.rate, html_only=True)
        if isinstance(result, Failure):
            log(f"{target.url}: {result.reason} ({result.detail})")
            return _record(result, source.name, "page")
        meta = PageMeta(
            result.url, result.final_url, source.name, result.status, result.headers, result.fetched_at, target.dates
        )
        landed = land(landing_dir, meta, result.body)
        return _record(result, source.name, "page", "landed", doc_id=landed.doc_id)

    with ThreadPoolExecutor(max_workers=max(1, config.fetch.workers), thread_name_prefix="fetch") as pool:
        return list(pool.map(fetch, targets))


def deferred(targets: Iterable[Target], why: str) -> list[FetchRecord]:
    """Pages this run did not try, recorded so that the next run fetches them (they are not counted as tries)."""
    now = datetime.now(UTC)
    return [
        FetchRecord(t.url, t.url, t.source, "page", "failed", now, DEFERRED, f"not fetched: {why}", retryable=True)
        for t in targets
    ]


def failed_page_docs(records: Iterable[FetchRecord]) -> list[RawDoc]:
    """A rejected document for each page that could not be fetched, so the failure shows in `documents`."""
    return [
        RawDoc(
            hashlib.sha256(f"fetch:{r.url}".encode()).hexdigest(),
            InputRef("", r.url, "html", r.source),
            0,
            r.fetched_at,
            None,
            r.reason,
            r.detail,
        )
        for r in records
        if r.kind == "page" and r.outcome == "failed" and r.reason != DEFERRED
    ]


def _listed(
    source: Source,
    url: str,
    kind: str,
    fetcher: Fetcher,
    history: History,
    records: list[FetchRecord],
    read: Callable[[Response], Iterable[Listed]],
) -> list[Listed]:
    """The URLs a feed or sitemap lists, resolved against it; nothing when unchanged since last time."""
    result = fetcher.get(url, source.allowed_hosts, source.rate, validators=history.validators.get(url))
    if isinstance(result, Failure):
        records.append(_record(result, source.name, kind))
        return []
    if result.status == 304:
        records.append(_record(result, source.name, kind, "not_modified"))
        return []
    try:
        listed = list(read(result))
    except FeedError as error:
        failure = Failure(url, result.final_url, f"bad_{kind}", str(error)[:300], result.fetched_at, result.attempts)
        records.append(_record(failure, source.name, kind))
        return []
    records.append(_record(result, source.name, kind, "listed"))
    urls = []
    for link in listed:
        try:
            urls.append(Listed(normalize_url(link.url, base=result.final_url), link.dates))
        except BadURL:
            continue
    return urls


def _sitemap_urls(
    source: Source, max_bytes: int, fetcher: Fetcher, history: History, records: list[FetchRecord]
) -> list[Listed]:
    """Page URLs of the source's sitemaps. An index unchanged since last time (304) does not list its
    children again, so the sitemaps read for this source before are re-checked as well."""
    pages: list[Listed] = []
    queue = list(dict.fromkeys([*source.sitemaps, *history.sitemaps.get(source.name, [])]))
    seen = set(queue)
    while queue:
        sitemap_url = queue.pop(0)
        children: list[str] = []

        def read(response: Response, children: list[str] = children) -> list[Listed]:
            sitemap = read_sitemap(response.body, max_bytes)
            if sitemap.is_index:
                children.extend(sitemap.locations)
                return []
            return list(sitemap.pages)

        pages += _listed(source, sitemap_url, "sitemap", fetcher, history, records, read)
        for child in children:
            try:
                child = normalize_url(child, base=sitemap_url)
            except BadURL:
                continue
            if child not in seen and len(seen) < MAX_SITEMAPS:
                seen.add(child)
                queue.append(child)
    return pages


def _record(
    result: Response | Failure, source: str, kind: str, outcome: str = "failed", doc_id: str | None = None
) -> FetchRecord:
    if isinstance(result, Failure):
        return FetchRecord(
            result.url,
            result.final_url,
            source,
            kind,
            "failed",
            result.fetched_at,
            result.reason,
            result.detail,
            result.status,
            result.attempts,
            result.seconds,
            retryable=result.retryable,
        )
    return FetchRecord(
        result.url,
        result.final_url,
        source,
        kind,
        outcome,
        result.fetched_at,
        http_status=result.status,
        attempts=result.attempts,
        seconds=result.seconds,
        doc_id=doc_id,
        etag=result.headers.get("etag"),
        last_modified=result.headers.get("last-modified"),
    )
