"""Apply the numbered SQL files in `sql/` once each, in order, recording them in a ledger table.

On a DuckLake catalog the same files apply, in DuckLake's dialect (`lake_dialect`): it has no PRIMARY KEY,
UNIQUE or CHECK constraints, so they are left out there and the writer keeps keys unique by its SQL
(anti-joins, delete-then-insert), which gives the same rows on a DuckDB file. A file whose first line starts
with `-- file only` applies to a DuckDB file alone (a lake records it and runs nothing). The ledger keeps the
checksum of the file as written."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).with_name("sql")
LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    checksum   VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
)
"""


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def migrations(directory: Path = SQL_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("[0-9][0-9][0-9]_*.sql")):
        found.append(Migration(int(path.name[:3]), path.stem, path.read_text(encoding="utf-8")))
    return found


def is_lake_connection(con: duckdb.DuckDBPyConnection) -> bool:
    """The connection's current database is a DuckLake catalog."""
    rows = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return bool(rows) and rows[0][0] == "ducklake"


_TABLE_KEY = re.compile(r",\s*(?:PRIMARY\s+KEY|UNIQUE)\s*\([^)]*\)", re.IGNORECASE)
_COLUMN_KEY = re.compile(r"\b(?:PRIMARY\s+KEY|UNIQUE)\b(?=\s*[,)\n])", re.IGNORECASE)
_CHECK = re.compile(r"\s*\bCHECK\s*\(", re.IGNORECASE)
# DuckLake takes only a literal as an added column's default, and holds `false` to be an expression: 'false'.
# DuckLake cannot comment on a view's columns; its catalog goes without the schema's comments (docs/team.md).
_COMMENT = re.compile(r"COMMENT\s+ON\s+\w+\s+[\w.\"]+\s+IS\s+'(?:[^']|'')*'\s*;\s*", re.IGNORECASE)
FILE_ONLY = "-- file only"
_BOOLEAN_DEFAULT = re.compile(r"\bDEFAULT\s+(true|false)\b", re.IGNORECASE)


def lake_dialect(sql: str) -> str:
    """`sql` without the constraints DuckLake lacks: table keys dropped, a column key kept as NOT NULL (what a
    key implies), CHECK (…) dropped with its balanced parentheses, a boolean default quoted, comments dropped;
    nothing of a file-only migration."""
    if sql.startswith(FILE_ONLY):
        return ""
    sql = _COMMENT.sub("", sql)
    sql = _BOOLEAN_DEFAULT.sub(lambda m: f"DEFAULT '{m.group(1).lower()}'", sql)
    sql = _TABLE_KEY.sub("", sql)
    sql = _COLUMN_KEY.sub("NOT NULL", sql)
    out, start = [], 0
    for match in _CHECK.finditer(sql):
        if match.start() < start:
            continue
        depth, end = 1, match.end()
        while depth and end < len(sql):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        out.append(sql[start : match.start()])
        start = end
    return "".join(out) + sql[start:]


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK, unless the transaction is over already (a failed COMMIT ends it)."""
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException as error:
        if "no transaction is active" not in str(error):
            raise


def _applied_meanwhile(con: duckdb.DuckDBPyConnection, migration: Migration) -> bool:
    rows = con.execute("SELECT checksum FROM schema_migrations WHERE version = ?", [migration.version]).fetchall()
    return bool(rows) and rows[0][0] == migration.checksum


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = SQL_DIR) -> list[str]:
    """Bring the schema up to date; return the names of the migrations applied now."""
    dialect = lake_dialect if is_lake_connection(con) else (lambda sql: sql)
    con.execute(dialect(LEDGER))
    applied = dict(con.execute("SELECT version, checksum FROM schema_migrations").fetchall())
    done = []
    for migration in migrations(directory):
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise MigrationError(
                    f"migration {migration.name} changed after it was applied; add a new numbered file instead"
                )
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            if sql := dialect(migration.sql):
                con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                [migration.version, migration.name, migration.checksum],
            )
            con.execute("COMMIT")
        except Exception:
            rollback(con)
            if _applied_meanwhile(con, migration):  # another process migrating the same new DuckLake won
                continue
            raise
        done.append(migration.name)
    return done
