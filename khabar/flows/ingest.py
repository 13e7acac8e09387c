"""The ingest flow: raw dumps in, clean articles grouped into stories out."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.futures import PrefectFuture, wait
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from khabar import config
from khabar.flows.artifacts import publish_failure, publish_load
from khabar.flows.deployments import with_served_defaults
from khabar.flows.operations import TIMEOUT_INGEST, ingest_run_name, project_path
from khabar.flows.params import DEFAULT_BATCH, DEFAULT_DEDUP, BatchOptions, DedupOptions, InputPaths
from khabar.flows.runners import (
    WORKERS_RELEASED_WITHIN,
    SubmittedAhead,
    drop_unstarted_batches,
    release_workers_when_done,
    task_runner,
    wait_released,
)
from khabar.records import FetchRecord, InputRef, Known
from khabar.tasks.ingest import discover_inputs, ingest_batch, known_documents, load_warehouse, stage_fetch_log
from khabar.warehouse.db import WarehouseBusy
from khabar.warehouse.load import LoadReport, RunRecord, TemplateSettings, record_failed_run
from khabar.warehouse.scratch import held_folder
from khabar.warehouse.staging import StagedBatch


@flow(
    name="ingest-dumps",
    task_runner=task_runner(),
    flow_run_name=ingest_run_name,
    timeout_seconds=TIMEOUT_INGEST,
)
def ingest_dumps(
    paths: InputPaths,
    db: str | None = None,
    batch: BatchOptions = DEFAULT_BATCH,
    dedup: DedupOptions = DEFAULT_DEDUP,
) -> LoadReport:
    """Ingest text dumps (.txt), HTML pages (.html, .htm) and JSONL records (.jsonl) into the warehouse.

    Args:
        paths: Files and folders, read recursively; a sub-folder's name is taken as the outlet. Relative paths are
            read in the project folder ($KHABAR_HOME, else the working directory).
        db: The warehouse file. Empty: $KHABAR_DB, else warehouse/khabar.duckdb, in the project folder.
        batch: Reading and batching.
        dedup: Story matching thresholds.
    """
    db = project_path(config.db_path(db))
    batch, dedup = with_served_defaults("batch", batch), with_served_defaults("dedup", dedup)
    params = {"paths": paths, "db": db, **batch.model_dump(), "dedup": dedup.model_dump()}
    with recorded_run(db, params) as run:
        found = discover_inputs([project_path(path) for path in paths])
        return ingest_inputs(found.refs, run, db, batch, dedup)


@contextlib.contextmanager
def recorded_run(db: str, params: dict[str, Any]) -> Iterator[RunRecord]:
    """A run of the current flow. When it fails, a `runs` row and a failure summary say so (the load records
    completed runs itself)."""
    run = RunRecord(
        run_id=uuid.uuid4().hex,
        flow_run_id=flow_run.get_id(),
        flow_name=flow_run.get_flow_name() or "ingest-dumps",
        flow_run_name=flow_run.get_name(),
        started_at=datetime.now(UTC),
        params=params,
    )
    try:
        yield run
    except Exception as error:  # the original error matters more than its records
        with contextlib.suppress(Exception):
            publish_failure(run, error)
        if not isinstance(error, WarehouseBusy):  # a busy warehouse would not take the row either
            with contextlib.suppress(Exception):
                record_failed_run(db, run, error)
        raise


def ingest_inputs(
    refs: Sequence[InputRef], run: RunRecord, db: str, batch: BatchOptions, dedup: DedupOptions
) -> LoadReport:
    """Parse `refs` in batch tasks on the task runner, then load them (one transaction per chunk) and publish the
    run's artifacts. Files unchanged since a run read them are not read again. The body of every flow that
    ingests: call it inside `recorded_run` of a flow."""
    with staging(run) as staging_dir:
        known = known_documents(db, staging_dir, quote(refs))
        todo = [ref for ref in refs if ref.source_uri not in known.unchanged]
        size = batch.batch_size
        batches = [todo[start : start + size] for start in range(0, len(todo), size)]
        return _ingest(batches, known, staging_dir, run, db, batch, dedup, inline=len(batches) == 1, paced=True)


def ingest_batches(
    batches: Iterable[list[InputRef]],
    run: RunRecord,
    db: str,
    batch: BatchOptions,
    dedup: DedupOptions,
    fetches: Sequence[FetchRecord] = (),
) -> LoadReport:
    """Like ingest_inputs, for batches that come one by one: each is submitted as soon as it is there, so
    parsing a batch overlaps with making the next (downloading it). `fetches`, read once the batches are
    done, is the run's fetch log."""
    with staging(run) as staging_dir:
        known = known_documents(db, staging_dir)
        return _ingest(batches, known, staging_dir, run, db, batch, dedup, fetches)


def staging(run: RunRecord) -> contextlib.AbstractContextManager[str]:
    """The run's staging folder, removed at the end, or by the next run when this one is killed."""
    return held_folder(config.staging_root(), f"khabar-{run.run_id[:8]}-")


def _ingest(
    batches: Iterable[list[InputRef]],
    known: Known,
    staging_dir: str,
    run: RunRecord,
    db: str,
    batch: BatchOptions,
    dedup: DedupOptions,
    fetches: Sequence[FetchRecord] = (),
    inline: bool = False,
    paced: bool = False,
) -> LoadReport:
    """Submit the batches, load them in order as they are staged, publish the run's artifacts. `inline`: the
    batches run in the flow's own thread (a run of one batch has nothing to run in parallel, and a process pool
    costs it seconds to start). `paced`: the batches are submitted as the writer takes them, a few ahead of it;
    else all at once (batches that come from downloads: taking the next one is downloading it)."""
    settings = dedup.settings()
    futures: list[PrefectFuture[StagedBatch]] = []
    staged: Iterable[PrefectFuture[StagedBatch] | StagedBatch] = ()
    releaser: threading.Thread | None = None

    def args(refs: list[InputRef]) -> tuple[Any, ...]:
        return (refs, known.ids_path, batch.max_bytes, batch.min_body_words, settings, staging_dir, run.started_at)

    def submit(refs: list[InputRef]) -> PrefectFuture[StagedBatch]:
        return ingest_batch.submit(*args(refs))

    batches = (refs for refs in batches if refs)
    try:
        if inline:
            staged = [ingest_batch(*args(refs)) for refs in batches]
        elif paced:  # two chunks' batches and one per worker ahead of the writer
            ahead = 2 * -(-batch.load_chunk // batch.batch_size) + config.workers()
            staged = SubmittedAhead(submit, batches, ahead, futures)
            get_run_logger().info("batches submitted as the writer takes them, %d ahead of it", ahead)
        else:
            futures.extend(submit(refs) for refs in batches)
            if fetches:  # the fetch log, and a rejected document for each page that could not be fetched
                futures.append(stage_fetch_log.submit(list(fetches), staging_dir, batch.min_body_words, settings))
            staged = list(futures)
            releaser = release_workers_when_done(futures)
            get_run_logger().info("%d batches submitted; loading them as they are staged", len(staged))
        templates = TemplateSettings(config.template_min_stories(), batch.min_body_words)
        report = load_warehouse(
            db,
            quote(staged),
            run,
            settings,
            dedup.window_days,
            templates,
            batch.load_chunk,
            (len(known.unchanged), sum(known.unchanged.values())),
        )
    except BaseException:
        if isinstance(staged, SubmittedAhead):
            staged.stop()
        drop_unstarted_batches(futures)  # those under way settle before the staging dir can go
        wait_released(staged, releaser, WORKERS_RELEASED_WITHIN)
        raise
    wait(futures)
    wait_released(staged, releaser)  # before Prefect's runner shuts the same pool down
    publish_load(run, report, db)
    return report
