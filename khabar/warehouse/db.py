"""Opening the warehouse file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from khabar.warehouse.migrate import migrate


class WarehouseMissing(FileNotFoundError):
    pass


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection with the schema brought up to date."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        migrate(con)
    except Exception:
        con.close()
        raise
    return con


def connect_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.exists():
        raise WarehouseMissing(f"no warehouse at {path}: run `khabar run` or `khabar ingest PATH` first")
    return duckdb.connect(str(path), read_only=True)
