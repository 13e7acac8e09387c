from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from khabar.warehouse.migrate import MigrationError, migrate, migrations


def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    applied = migrate(con)
    assert applied == [m.name for m in migrations()]
    assert migrate(con) == []
    ledger = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert [name for _, name in ledger] == applied
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"documents", "articles", "removed_blocks", "story_members", "runs"} <= tables
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'stories'").fetchall()[0][0] == 1


def test_an_edited_migration_is_refused(tmp_path: Path) -> None:
    sql_dir = tmp_path / "sql"
    sql_dir.mkdir()
    (sql_dir / "001_t.sql").write_text("CREATE TABLE t (x INTEGER);")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con, sql_dir)
    (sql_dir / "001_t.sql").write_text("CREATE TABLE t (x BIGINT);")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(con, sql_dir)


def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    sql_dir = tmp_path / "sql"
    sql_dir.mkdir()
    (sql_dir / "001_bad.sql").write_text("CREATE TABLE half (x INTEGER); SELECT * FROM missing_table;")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(duckdb.Error):
        migrate(con, sql_dir)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half'").fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchall()[0][0] == 0
