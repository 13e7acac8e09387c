"""Apply the numbered SQL files in `sql/` once each, in order, recording them in a ledger table."""

from __future__ import annotations

import hashlib
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


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = SQL_DIR) -> list[str]:
    """Bring the schema up to date; return the names of the migrations applied now."""
    con.execute(LEDGER)
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
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                [migration.version, migration.name, migration.checksum],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        done.append(migration.name)
    return done
