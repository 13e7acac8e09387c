"""Prefect tasks for fetching: discovery and downloads over batches, with task-level retries."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from khabar.inputs.landing import inbox_refs, read_sidecar
from khabar.records import FetchRecord
from khabar.warehouse import query
from khabar.web import crawl
from khabar.web.http import Fetcher, Validators
from khabar.web.sources import SourcesConfig

MAX_TRIES = 3  # runs in which a page may fail for a passing reason before it is given up


@task(name="discover-pages", cache_policy=NO_CACHE, persist_result=False, retries=2, retry_delay_seconds=10)
def discover_pages(config: SourcesConfig, db: str, landing_dir: str) -> crawl.Discovery:
    """Article URLs to fetch now: listed by the sources or due a retry, minus what is landed or given up."""
    logger = get_run_logger()
    validators, sitemaps = query.fetch_history(db)
    history = crawl.History({url: Validators(*pair) for url, pair in validators.items()}, sitemaps)
    fetcher = Fetcher(config.fetch)
    try:
        found = crawl.discover(config, fetcher, history, logger.info)
    finally:
        fetcher.close()
    names = {source.name for source in config.sources}
    retries = [crawl.Target(url, source) for url, source in query.retry_queue(db, MAX_TRIES) if source in names]
    candidates = {t.url: t for t in (*found.targets, *retries)}
    settled = query.settled_urls(db, list(candidates), MAX_TRIES)
    in_inbox = {meta.url for ref in inbox_refs(landing_dir) if (meta := read_sidecar(ref.path))}
    due = [t for url, t in candidates.items() if url not in settled and url not in in_inbox]
    logger.info(
        "%d article URLs listed, %d due a retry; %d already fetched; %d to fetch now (at most %d per run)",
        len(found.targets),
        len(retries),
        len(candidates) - len(due),
        min(len(due), config.fetch.max_pages),
        config.fetch.max_pages,
    )
    later = crawl.deferred(due[config.fetch.max_pages :], f"over fetch.max_pages ({config.fetch.max_pages})")
    return crawl.Discovery(tuple(due[: config.fetch.max_pages]), (*found.records, *later))


@task(name="download-pages", cache_policy=NO_CACHE, persist_result=False, retries=2, retry_delay_seconds=10)
def download_pages(
    targets: list[crawl.Target], config: SourcesConfig, landing_dir: str, stop_at: float | None = None
) -> list[FetchRecord]:
    """Fetch a batch of article pages into the landing folder; failures come back with their reasons. From
    `stop_at` (time.time()) on, no page is started: the rest are deferred to the next run."""
    logger = get_run_logger()
    fetcher = Fetcher(config.fetch, stop_at=stop_at)
    try:
        records = crawl.download(targets, config, fetcher, landing_dir, logger.warning)
    finally:
        fetcher.close()
    landed = sum(r.outcome == "landed" for r in records)
    logger.info("landed %d of %d pages", landed, len(records))
    return records
