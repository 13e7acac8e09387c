"""Maintenance: the warehouse's tables as Parquet files, for tools that do not speak DuckDB."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from khabar import config
from khabar.flows.artifacts import publish_export
from khabar.flows.operations import TIMEOUT_EXPORT, export_run_name, project_path
from khabar.flows.params import NonBlank
from khabar.tasks.export import export_tables
from khabar.warehouse.export import EXPORTABLE, Table


@flow(name="export-parquet", flow_run_name=export_run_name, timeout_seconds=TIMEOUT_EXPORT, retries=1)
def export_parquet(
    out_dir: NonBlank = "warehouse/export", db: str | None = None, tables: list[Table] | None = None
) -> int:
    """Export the warehouse's tables as Parquet, one file per table, each replaced whole. Returns the rows written.

    Args:
        out_dir: Folder of the Parquet files; a relative one is in the project folder ($KHABAR_HOME, else the
            working directory). The run fails when it cannot write there.
        db: The warehouse file. Empty: $KHABAR_DB, else warehouse/khabar.duckdb, in the project folder.
        tables: Tables to export. Empty: all of them, the stories view included.
    """
    target = str(Path(project_path(out_dir)).absolute())
    exported = export_tables(project_path(config.db_path(db)), target, list(tables or EXPORTABLE))
    publish_export(exported, target)
    return sum(item.rows for item in exported)
