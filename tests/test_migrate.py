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


ARCHIVE = ("documents", "articles", "sightings", "input_files", "story_members", "removed_blocks", "article_search")


def _rows(con: duckdb.DuckDBPyConnection, prefix: str = "") -> dict[str, list[tuple[object, ...]]]:
    tables = (*ARCHIVE, "outlet_templates")
    return {t: sorted(con.execute(f"SELECT * FROM {prefix}{t}").fetchall(), key=repr) for t in tables}


def _keys(con: duckdb.DuckDBPyConnection) -> set[str]:
    sql = "SELECT table_name FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
    return {name for (name,) in con.execute(sql).fetchall()}


def _comments(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    sql = "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE comment <> '' ORDER BY ALL"
    return con.execute(sql).fetchall()


@pytest.mark.usefixtures("prefect_api")
def test_a_keyed_warehouse_loses_its_archive_keys_and_keeps_every_row_comment_and_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 021 rebuilds the tables that grow with the archive without their primary keys (whose ART
    indexes DuckDB holds in memory); rows, comments and checks stay, and later runs keep the keys unique."""
    from khabar.flows.ingest import ingest_dumps
    from khabar.warehouse.migrate import SQL_DIR
    from tests.conftest import FIXTURES, SAMPLES

    monkeypatch.setenv("KHABAR_TEMPLATE_MIN_STORIES", "2")  # templates learned on this small set
    made = str(tmp_path / "made.duckdb")
    ingest_dumps(paths=[str(SAMPLES), str(FIXTURES / "golden")], db=made)
    old_sql = tmp_path / "sql"
    old_sql.mkdir()
    for path in SQL_DIR.glob("[0-9][0-9][0-9]_*.sql"):
        if int(path.name[:3]) <= 20:
            (old_sql / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    old = str(tmp_path / "old.duckdb")
    con = duckdb.connect(old)  # the schema at migration 020, keys and all, with the rows of a real run
    migrate(con, old_sql)
    assert _keys(con) >= {*ARCHIVE, "outlet_templates"}
    con.execute(f"ATTACH {made!r} AS made (READ_ONLY)")  # a tmp_path: no quote in it
    tables = "SELECT table_name FROM duckdb_tables() WHERE database_name = 'made' AND schema_name = 'main'"
    for (table,) in con.execute(tables).fetchall():
        con.execute(f"DELETE FROM {table}")  # the ledger too: as made, at 020
        con.execute(f"INSERT INTO {table} SELECT * FROM made.{table}")
    con.execute("DELETE FROM schema_migrations WHERE version > 20")
    expected, expected_comments = _rows(con, "made."), _comments(con)
    assert all(expected.values()) and expected_comments

    assert migrate(con) == ["021_unkeyed_archive"]
    assert _rows(con) == expected
    assert _keys(con) == {"runs", "schema_migrations", "outlet_aliases"}
    assert _comments(con) == expected_comments
    with pytest.raises(duckdb.ConstraintException):  # checks stay
        con.execute("UPDATE story_members SET relation = 'cousin'")
    con.close()

    ingest_dumps(paths=[str(SAMPLES), str(FIXTURES / "golden"), str(FIXTURES / "inputs")], db=old)
    con = duckdb.connect(old, read_only=True)
    assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] > len(expected["articles"])
    for table, key in [
        ("documents", "doc_id"),
        ("articles", "article_id"),
        ("story_members", "article_id"),
        ("article_search", "article_id"),
        ("sightings", "doc_id, source_uri"),
        ("removed_blocks", "article_id, seq"),
        ("input_files", "source_uri, size, mtime_ns"),
        ("outlet_templates", "outlet, fingerprint"),
    ]:
        assert con.execute(f"SELECT count(*) = count(DISTINCT ({key})) FROM {table}").fetchall() == [(True,)], table
    con.close()
