"""The fetch flow: discover article URLs, land the pages raw, then ingest them like dumps."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run

from khabar import config
from khabar.sources import DEFAULT_SOURCES, load_sources
from khabar.tasks import crawl
from khabar.tasks.fetch_steps import discover_pages, download_pages
from khabar.tasks.landing import file_away, inbox_refs
from khabar.tasks.steps import load_warehouse, parse_documents, read_new_inputs, stage_batch
from khabar.warehouse.load import LoadReport, RunRecord, record_failed_run


@dataclass(frozen=True)
class FetchReport:
    load: LoadReport
    listed: int  # feeds and sitemaps read
    not_modified: int
    to_fetch: int
    landed: int
    failures: dict[str, int] = field(default_factory=dict)
    landing_dir: str = ""


@flow(name="fetch-and-ingest")
def fetch_and_ingest(
    sources: str = DEFAULT_SOURCES,
    db: str = config.DEFAULT_DB,
    landing_dir: str | None = None,
    batch_size: int = 200,
    max_bytes: int = config.DEFAULT_MAX_BYTES,
    min_body_words: int = 20,
) -> FetchReport:
    """Fetch new article pages of the outlets in the `sources` file, land them raw and ingest them into `db`."""
    landing = landing_dir or config.landing_dir(db)
    run = RunRecord(
        run_id=uuid.uuid4().hex,
        flow_run_id=flow_run.get_id(),
        flow_name="fetch-and-ingest",
        started_at=datetime.now(UTC),
        params={"sources": sources, "db": db, "landing_dir": landing, "batch_size": batch_size},
    )
    staging_dir = tempfile.mkdtemp(prefix=f"khabar-{run.run_id[:8]}-", dir=config.staging_root())
    try:
        settings = load_sources(sources)
        found = discover_pages(settings, db, landing)
        records = list(found.records)
        for start in range(0, len(found.targets), batch_size):
            records += download_pages(list(found.targets[start : start + batch_size]), settings, landing)
        failed = crawl.failed_page_docs(records)
        staged = [
            stage_batch(parse_documents(failed, min_body_words, config.dedup_settings()), [], staging_dir, records)
        ]
        refs = inbox_refs(landing)
        for start in range(0, len(refs), batch_size):
            docs, sightings = read_new_inputs(refs[start : start + batch_size], db, max_bytes)
            outcomes = parse_documents(docs, min_body_words, config.dedup_settings()) if docs else []
            staged.append(stage_batch(outcomes, sightings, staging_dir))
        report = load_warehouse(db, staged, run, config.dedup_settings(), config.window_days())
        file_away(refs, landing)
    except Exception as error:
        with contextlib.suppress(Exception):
            record_failed_run(db, run, error)
        raise
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
    pages = [r for r in records if r.kind == "page"]
    return FetchReport(
        report,
        listed=sum(r.kind != "page" and r.outcome == "listed" for r in records),
        not_modified=sum(r.outcome == "not_modified" for r in records),
        to_fetch=len(found.targets),
        landed=sum(r.outcome == "landed" for r in pages),
        failures=dict(Counter(r.reason or "failed" for r in records if r.outcome == "failed")),
        landing_dir=str(Path(landing)),
    )
