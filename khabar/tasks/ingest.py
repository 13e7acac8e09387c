"""Prefect tasks: thin wrappers that run the pure steps over a batch of documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture

from khabar.config import DEFAULT_LOAD_CHUNK, DedupSettings
from khabar.inputs import discover as discovery
from khabar.records import Discovered, FetchRecord, FileSeen, InputRef, Known, Sighting
from khabar.tasks.limits import writer_slot
from khabar.warehouse import load, query
from khabar.warehouse.db import WarehouseBusy
from khabar.warehouse.staging import StagedBatch, release_freed_memory, stage, stage_parsed

# Batches are large and never worth caching: hashing their inputs for a cache key costs seconds.


@task(name="discover-inputs", cache_policy=NO_CACHE, persist_result=False)
def discover_inputs(paths: list[str]) -> Discovered:
    logger = get_run_logger()
    refs = discovery.discover(paths, logger.warning)
    logger.info("found %d input files under %s", len(refs), ", ".join(discovery.shown(p) for p in paths))
    return Discovered(tuple(refs))


@task(name="known-documents", cache_policy=NO_CACHE, persist_result=False)
def known_documents(db: str, staging_dir: str, refs: Sequence[InputRef] = ()) -> Known:
    """The ids of the documents the warehouse holds, in a file the batch tasks read (they never open the
    warehouse: its writer loads chunks while they parse); and which of `refs` are files unchanged since a run
    read them."""
    logger = get_run_logger()
    files = discovery.file_stats(refs)
    known = query.snapshot_known(
        db, str(Path(staging_dir) / "known.npy"), files, log=logger.info, inputs=len(refs) if refs else None
    )
    logger.info("%d documents in the warehouse before the run", known.documents)
    if known.unchanged:
        logger.info(
            "%d of %d input files unchanged since a run read them: not read again", len(known.unchanged), len(files)
        )
    return known


@task(name="ingest-batch", cache_policy=NO_CACHE, persist_result=False)
def ingest_batch(
    refs: list[InputRef],
    known_ids: str,
    max_bytes: int,
    min_body_words: int,
    dedup: DedupSettings,
    staging_dir: str,
    read_at: datetime,
) -> StagedBatch:
    """Read a batch of inputs, parse those the warehouse did not hold (`known_ids`, from `known_documents`), and
    stage the rows as Parquet.

    Runs on any worker of the task runner; only the small StagedBatch handle travels back to the flow.
    `read_at`, the run's start, is every document's fetched_at: batches finish in any order."""
    from khabar.text.parse import ParseSettings, parse_batch  # here: a run with nothing to parse never loads it

    logger = get_run_logger()
    files: list[FileSeen] = []
    docs = discovery.read_inputs(refs, max_bytes, read_at, files)
    first = {doc.doc_id: i for i, doc in reversed(list(enumerate(docs)))}  # the same bytes are parsed once
    known = query.known_doc_ids(known_ids, [doc.doc_id for doc in docs])
    sightings = [Sighting(doc.doc_id, doc.ref.source_uri, doc.ref.outlet_hint, doc.fetched_at) for doc in docs]
    new = [doc for i, doc in enumerate(docs) if doc.doc_id not in known and first.get(doc.doc_id) == i]
    outcomes = parse_batch(new, ParseSettings(min_body_words=min_body_words)) if new else []
    staged = stage_parsed(outcomes, sightings, staging_dir, dedup, files)
    counts = (len(refs), len(docs), len(new), staged.articles, staged.documents - staged.articles)
    del docs, new, outcomes, sightings
    release_freed_memory()  # the worker waits for its next batch holding only its imports
    logger.info("%d inputs, %d documents, %d new: %d articles, %d rejected %s", *counts, staged.rejects or "")
    return staged


@task(name="stage-fetch-log", cache_policy=NO_CACHE, persist_result=False)
def stage_fetch_log(
    records: list[FetchRecord], staging_dir: str, min_body_words: int, dedup: DedupSettings
) -> StagedBatch:
    """The run's fetch log, and a rejected document for each page that could not be fetched."""
    from khabar.text.parse import ParseSettings, parse_batch
    from khabar.web.crawl import failed_page_docs

    failed = parse_batch(failed_page_docs(records), ParseSettings(min_body_words=min_body_words))
    return stage(failed, [], staging_dir, records)


def _warehouse_was_busy(task: Any, task_run: Any, state: State[Any]) -> bool:
    """Retry a load only when the warehouse was busy: chunks commit whole and a retry skips what they stored."""
    try:
        state.result()
    except (WarehouseBusy, TimeoutError):
        return True
    except Exception:
        return False
    return False


@task(
    name="load-warehouse",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=2,
    retry_delay_seconds=30,
    retry_condition_fn=_warehouse_was_busy,
)
def load_warehouse(
    db: str,
    batches: Sequence[PrefectFuture[StagedBatch] | StagedBatch],
    run: load.RunRecord,
    dedup: DedupSettings,
    window_days: int | None,
    templates: load.TemplateSettings = load.TemplateSettings(),
    chunk_docs: int = DEFAULT_LOAD_CHUNK,
    files_unchanged: tuple[int, int] = (0, 0),
) -> load.LoadReport:
    """The only task that writes to DuckDB: one transaction per chunk of `chunk_docs` documents, one run at a
    time (the writer slot of Prefect's global concurrency limit, then the file lock). Takes the batches as their
    tasks finish, in order (pass them `quote`d: Prefect would otherwise wait for all of them first)."""
    logger = get_run_logger()
    with writer_slot(db):
        return load.load_run(
            db,
            (staged.result() if isinstance(staged, PrefectFuture) else staged for staged in batches),
            run,
            log=logger.info,
            dedup=dedup,
            window_days=window_days,
            templates=templates,
            chunk_docs=chunk_docs,
            files_unchanged=files_unchanged,
        )
