"""Maintenance: the warehouse's tables as Parquet files, for tools that do not speak DuckDB."""

from __future__ import annotations

from prefect import flow

from khabar import config
from khabar.flows.artifacts import publish_export
from khabar.tasks.export import export_tables
from khabar.warehouse.export import EXPORTABLE, Table


@flow(name="export-parquet")
def export_parquet(out_dir: str = "warehouse/export", db: str | None = None, tables: list[Table] | None = None) -> int:
    """Export the warehouse's tables as Parquet, one file per table, each replaced whole. Returns the rows written.

    Args:
        out_dir: Folder of the Parquet files, relative to the working directory unless absolute.
        db: The warehouse file. Empty: $KHABAR_DB, else warehouse/khabar.duckdb, relative to the working directory.
        tables: Tables to export. Empty: all of them, the stories view included.
    """
    exported = export_tables(config.db_path(db), out_dir, list(tables or EXPORTABLE))
    publish_export(exported, out_dir)
    return sum(item.rows for item in exported)
