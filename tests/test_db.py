"""The writer's connection: any path, and small row groups so a run's checkpoint rewrites little."""

from __future__ import annotations

from pathlib import Path

import duckdb

from khabar.warehouse.db import ROW_GROUP_SIZE, connect


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
