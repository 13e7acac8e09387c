"""The warehouse's tables as Parquet files, for tools that do not speak DuckDB."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import pyarrow.parquet as pq

from khabar.warehouse.db import connect_read_only

Table = Literal[
    "documents", "articles", "removed_blocks", "story_members", "sightings", "story_merges", "runs", "stories"
]
EXPORTABLE: tuple[str, ...] = get_args(Table)


@dataclass(frozen=True)
class Exported:
    table: str
    rows: int
    path: str
    bytes: int


def export_tables(
    db_path: str | Path, out_dir: Path, tables: Sequence[str], log: Callable[[str], None] | None = None
) -> list[Exported]:
    """Write `out_dir/<table>.parquet` for each table, from one read-only connection. A file is written beside its
    target and renamed over it, so readers of `out_dir` never see half a file."""
    unknown = sorted(set(tables) - set(EXPORTABLE))
    if unknown:
        raise ValueError(f"cannot export {', '.join(unknown)}: choose from {', '.join(EXPORTABLE)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect_read_only(db_path, log=log)
    try:
        exported = []
        for table in tables:
            target = out_dir / f"{table}.parquet"
            partial = out_dir / f".{table}.parquet.partial"
            con.table(table).write_parquet(str(partial), compression="zstd")
            os.replace(partial, target)
            rows = pq.read_metadata(target).num_rows
            exported.append(Exported(table, rows, str(target), target.stat().st_size))
        return exported
    finally:
        con.close()
