"""The fetch flow: discover article URLs, land the pages raw, then ingest them like dumps."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import State
from prefect.states import Completed

from khabar import config
from khabar.config import DEFAULT_SOURCES
from khabar.flows.artifacts import publish_fetches
from khabar.flows.deployments import with_served_defaults
from khabar.flows.ingest import ingest_batches, recorded_run
from khabar.flows.operations import TIMEOUT_FETCH, fetch_run_name, project_path
from khabar.flows.params import DEFAULT_BATCH, DEFAULT_DEDUP, BatchOptions, DedupOptions, NonBlank
from khabar.flows.runners import task_runner
from khabar.inputs.landing import file_away, inbox_refs, landed_ref
from khabar.records import FetchRecord, InputRef
from khabar.tasks.fetch import discover_pages, download_pages
from khabar.warehouse.load import LoadReport
from khabar.web.crawl import DEFERRED, deferred
from khabar.web.sources import load_sources

DOWNLOAD_BATCH = 200  # pages per download task


NOT_CONFIGURED = "Not configured"


def not_configured(reason: str) -> State[Any]:
    """The end of a run that had nothing to do because khabar is not set up for it: Completed, not Failed, and
    named so in the UI; the summary artifact says what to do."""
    message = f"not configured: {reason}. Copy examples/sources.toml there and edit it (or set the sources parameter)."
    get_run_logger().warning(message)
    create_markdown_artifact(
        f"# fetch-and-ingest: not configured\n\n{message}\n\nNothing was fetched; nothing failed.",
        key="fetch-and-ingest-summary",
        description="fetch-and-ingest run summary",
    )
    return Completed(name=NOT_CONFIGURED, message=message)


def _chunks(refs: list[InputRef], size: int, seen: list[InputRef]) -> Iterator[list[InputRef]]:
    for start in range(0, len(refs), size):
        seen.extend(refs[start : start + size])
        yield refs[start : start + size]


@dataclass(frozen=True)
class FetchReport:
    load: LoadReport
    listed: int  # feeds and sitemaps read
    not_modified: int
    to_fetch: int
    landed: int
    failures: dict[str, int] = field(default_factory=dict)
    deferred: int = 0  # pages left for the next run: the run's time budget or max_pages was spent
    landing_dir: str = ""


@flow(
    name="fetch-and-ingest",
    task_runner=task_runner(),
    flow_run_name=fetch_run_name,
    timeout_seconds=TIMEOUT_FETCH,
)
def fetch_and_ingest(
    sources: NonBlank = DEFAULT_SOURCES,
    db: str | None = None,
    landing_dir: str | None = None,
    batch: BatchOptions = DEFAULT_BATCH,
    dedup: DedupOptions = DEFAULT_DEDUP,
) -> FetchReport | State[Any]:
    """Fetch the new article pages of the outlets in a sources file, land them raw, and ingest them. Without a
    sources file the run does nothing and ends Completed, named "Not configured": a new install is not a failure.

    Args:
        sources: The sources file (TOML): outlets, their feeds, sitemaps and URLs, hosts, rates and time budget.
            A relative path is in the project folder ($KHABAR_HOME, else the working directory).
        db: The warehouse file. Empty: $KHABAR_DB, else warehouse/khabar.duckdb, in the project folder.
        landing_dir: Where pages land raw. Empty: $KHABAR_LANDING_DIR, else landing/ beside the warehouse.
        batch: Reading and batching of the landed pages.
        dedup: Story matching thresholds.
    """
    sources = project_path(sources)
    if not Path(sources).is_file():
        return not_configured(f"no sources file at {Path(sources).absolute()}")
    db = project_path(config.db_path(db))
    landing = project_path(landing_dir or config.landing_dir(db))
    batch, dedup = with_served_defaults("batch", batch), with_served_defaults("dedup", dedup)
    params = {"sources": sources, "db": db, "landing_dir": landing, **batch.model_dump(), "dedup": dedup.model_dump()}
    started = time.time()
    with recorded_run(db, params) as run:
        settings = load_sources(sources)
        found = discover_pages(settings, db, landing)
        records: list[FetchRecord] = list(found.records)
        loaded: list[InputRef] = []

        stop_at = started + settings.fetch.time_budget if settings.fetch.time_budget else None

        def landed_batches() -> Iterator[list[InputRef]]:
            """Pages a failed run left in the inbox, then each download batch's pages as it lands."""
            yield from _chunks(inbox_refs(landing), batch.batch_size, loaded)
            for start in range(0, len(found.targets), DOWNLOAD_BATCH):
                targets = list(found.targets[start : start + DOWNLOAD_BATCH])
                if stop_at is not None and time.time() >= stop_at:
                    records.extend(deferred(targets, "the run's time budget (fetch.time_budget) is spent"))
                    continue
                fetched = download_pages(targets, settings, landing, stop_at)
                records.extend(fetched)
                refs = [landed_ref(landing, r.final_url, r.doc_id, r.source) for r in fetched if r.doc_id]
                yield from _chunks(refs, batch.batch_size, loaded)

        report = ingest_batches(landed_batches(), run, db, batch, dedup, fetches=records)
        file_away(loaded, landing)
        publish_fetches(run, records)
    pages = [r for r in records if r.kind == "page"]
    return FetchReport(
        report,
        listed=sum(r.kind != "page" and r.outcome == "listed" for r in records),
        not_modified=sum(r.outcome == "not_modified" for r in records),
        to_fetch=len(found.targets),
        landed=sum(r.outcome == "landed" for r in pages),
        failures=dict(Counter(r.reason or "failed" for r in records if r.outcome == "failed" and r.reason != DEFERRED)),
        deferred=sum(r.reason == DEFERRED for r in pages),
        landing_dir=str(Path(landing)),
    )
