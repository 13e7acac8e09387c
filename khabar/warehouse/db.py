"""Opening the warehouse file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

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


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **tables: pa.Table) -> Iterator[None]:
    """Arrow tables visible to SQL under their keyword names for the block: bulk input without executemany."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)


def id_table(values: Iterable[str], column: str = "article_id") -> pa.Table:
    """A one-column table of ids to join against (list parameters are slow to bind)."""
    return pa.table({column: pa.array(sorted(values), pa.string())})
