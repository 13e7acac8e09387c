"""The ingest flow: raw dumps in, clean articles grouped into stories out."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from datetime import UTC, datetime

from prefect import flow
from prefect.runtime import flow_run

from khabar import config
from khabar.tasks.steps import discover_inputs, load_warehouse, parse_documents, read_new_inputs, stage_batch
from khabar.warehouse.load import LoadReport, RunRecord, record_failed_run


@flow(name="ingest-dumps")
def ingest_dumps(
    paths: list[str],
    db: str = config.DEFAULT_DB,
    max_bytes: int = config.DEFAULT_MAX_BYTES,
    batch_size: int = config.DEFAULT_BATCH_SIZE,
    min_body_words: int = 20,
) -> LoadReport:
    """Ingest text dumps, HTML pages and JSONL records under `paths` into the warehouse at `db`."""
    run = RunRecord(
        run_id=uuid.uuid4().hex,
        flow_run_id=flow_run.get_id(),
        flow_name="ingest-dumps",
        started_at=datetime.now(UTC),
        params={"paths": paths, "db": db, "max_bytes": max_bytes, "batch_size": batch_size},
    )
    dedup, window = config.dedup_settings(), config.window_days()
    staging_dir = tempfile.mkdtemp(prefix=f"khabar-{run.run_id[:8]}-", dir=config.staging_root())
    try:
        refs = discover_inputs(paths)
        staged = []
        for start in range(0, len(refs), batch_size):
            docs, sightings = read_new_inputs(refs[start : start + batch_size], db, max_bytes)
            outcomes = parse_documents(docs, min_body_words, dedup) if docs else []
            staged.append(stage_batch(outcomes, sightings, staging_dir))
        return load_warehouse(db, staged, run, dedup, window)
    except Exception as error:
        with contextlib.suppress(Exception):  # the original error matters more than its record
            record_failed_run(db, run, error)
        raise
    finally:
        shutil.rmtree(staging_dir, ignore_errors=True)
