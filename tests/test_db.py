"""The writer's connection: any path, and small row groups so a run's checkpoint rewrites little."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from khabar.warehouse.db import ROW_GROUP_SIZE, connect, writer


def test_writer_attaches_any_path_with_khabars_row_group_size(tmp_path: Path) -> None:
    path = tmp_path / "it's a warehouse" / "w.duckdb"
    con = connect(path)
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(?)", [ROW_GROUP_SIZE * 3])
    con.close()
    con = duckdb.connect(str(path), read_only=True)
    groups = con.execute("SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('t')").fetchall()
    migrated = con.execute("SELECT count(*) FROM schema_migrations").fetchall()
    con.close()
    assert groups == [(3,)]
    assert migrated[0][0] >= 7


def test_the_writer_spills_beside_the_warehouse_not_into_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started_in = tmp_path / "where the command ran"
    started_in.mkdir()
    monkeypatch.chdir(started_in)
    monkeypatch.setenv("KHABAR_WRITER_MEMORY", "100MiB")
    path = tmp_path / "it's a warehouse" / "w.duckdb"
    with writer(path, "a test") as con:  # a sort larger than the limit: DuckDB spills
        sorted_rows = con.execute(
            "SELECT count(*) FROM (SELECT range AS i, md5(range::VARCHAR) AS s FROM range(4000000) ORDER BY s)"
        ).fetchall()
        spilled = (tmp_path / "it's a warehouse" / "w.duckdb.tmp").is_dir()
    assert sorted_rows == [(4_000_000,)] and spilled and not any(started_in.iterdir())
