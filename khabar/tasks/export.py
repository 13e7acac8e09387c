"""Prefect task: the warehouse's tables as Parquet files."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from khabar.warehouse import export


@task(name="export-tables", cache_policy=NO_CACHE, persist_result=False)
def export_tables(db: str, out_dir: str, tables: list[str]) -> list[export.Exported]:
    """Each table as one Parquet file in `out_dir`, from one read-only snapshot of the warehouse."""
    logger = get_run_logger()
    exported = export.export_tables(db, Path(out_dir), tables, log=logger.info)
    for item in exported:
        logger.info("%s: %d rows, %d bytes to %s", item.table, item.rows, item.bytes, item.path)
    return exported
