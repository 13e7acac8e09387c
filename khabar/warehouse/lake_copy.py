"""`khabar migrate --to`: an existing warehouse file copied into a DuckLake catalog, table by table, in one
transaction, with the row counts checked against the source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from khabar.warehouse.db import WarehouseMissing, connect, is_lake, write_lock, writer
from khabar.warehouse.migrate import rollback

# Bookkeeping the target's own migrations wrote already; everything else is copied.
_NOT_COPIED = ("schema_migrations", "writer_turn")


class CopyError(RuntimeError):
    pass


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def copy_to_lake(source: str, target: str, log: Callable[[str], None] = lambda _: None) -> list[Copied]:
    """Copy the warehouse file `source` into the DuckLake `target`, which must hold no documents yet. The
    source is brought up to date with the migrations first and held by the writer lock while it is read."""
    if is_lake(source) or not is_lake(target):
        raise CopyError("khabar migrate --to copies a warehouse file (--db) into a DuckLake catalog (--to ducklake:…)")
    if not Path(source).exists():
        raise WarehouseMissing(f"no warehouse at {source}")
    with write_lock(source, f"khabar migrate --to {target}", log=log):
        connect(source, log=log).close()  # the same schema version as the target's
        with writer(target, "khabar migrate --to", log) as con:
            con.execute(f"ATTACH '{source.replace(chr(39), chr(39) * 2)}' AS source (READ_ONLY)")
            try:
                return _copy(con, log)
            finally:
                con.execute("DETACH source")


def _copy(con: duckdb.DuckDBPyConnection, log: Callable[[str], None]) -> list[Copied]:
    versions = "SELECT list(version ORDER BY version) FROM {}.main.schema_migrations"
    if con.execute(versions.format("source")).fetchall() != con.execute(versions.format("warehouse")).fetchall():
        raise CopyError("the warehouse file and the DuckLake are at different schema versions")
    tables = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'warehouse' AND schema_name = 'main' "
            "ORDER BY table_name"
        ).fetchall()
        if row[0] not in _NOT_COPIED
    ]
    if con.execute("SELECT count(*) FROM warehouse.main.documents").fetchall()[0][0]:
        raise CopyError("the DuckLake holds documents already: copy into a new catalog")
    copied = []
    con.execute("BEGIN TRANSACTION")
    try:
        for table in tables:
            columns = ", ".join(
                f'"{name}"'
                for (name,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = 'warehouse' "
                    "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
                    [table],
                ).fetchall()
            )
            con.execute(f'DELETE FROM warehouse.main."{table}"')  # rows a migration seeded, if any
            con.execute(f'INSERT INTO warehouse.main."{table}" ({columns}) SELECT {columns} FROM source.main."{table}"')
            rows = con.execute(f'SELECT count(*) FROM source.main."{table}"').fetchall()[0][0]
            if con.execute(f'SELECT count(*) FROM warehouse.main."{table}"').fetchall()[0][0] != rows:
                raise CopyError(f"{table}: the copy's row count differs from the source's")
            copied.append(Copied(table, rows))
            log(f"copied {table}: {rows} rows")
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    return copied
