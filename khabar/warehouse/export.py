"""The warehouse's tables as files (Parquet, CSV or JSON lines), for tools that do not speak DuckDB."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, get_args

import duckdb

from khabar.warehouse.db import connect_read_only

Table = Literal[
    "documents", "articles", "removed_blocks", "story_members", "sightings", "story_merges", "runs", "stories"
]
EXPORTABLE: tuple[str, ...] = get_args(Table)
Format = Literal["parquet", "csv", "jsonl"]
FORMATS: tuple[str, ...] = get_args(Format)

# With a start date: the articles published (else fetched) since, and what belongs to them; the rest by its
# own time. The date starts at midnight in India.
SINCE = "timezone('Asia/Kolkata', $since::TIMESTAMP)"
_ARTICLES_SINCE = f"SELECT article_id FROM articles WHERE coalesce(published_at, fetched_at) >= {SINCE}"
_SINCE: dict[str, str] = {
    "articles": f"SELECT * FROM articles WHERE coalesce(published_at, fetched_at) >= {SINCE}",
    "documents": f"SELECT * FROM documents WHERE fetched_at >= {SINCE} OR doc_id IN ({_ARTICLES_SINCE})",
    "removed_blocks": f"SELECT * FROM removed_blocks WHERE article_id IN ({_ARTICLES_SINCE})",
    "story_members": f"SELECT * FROM story_members WHERE article_id IN ({_ARTICLES_SINCE})",
    "sightings": f"SELECT * FROM sightings WHERE seen_at >= {SINCE} OR doc_id IN ({_ARTICLES_SINCE})",
    "story_merges": f"SELECT * FROM story_merges WHERE merged_at >= {SINCE}",
    "runs": f"SELECT * FROM runs WHERE started_at >= {SINCE}",
    "stories": "SELECT * FROM stories WHERE story_id IN "
    f"(SELECT story_id FROM story_members WHERE article_id IN ({_ARTICLES_SINCE}))",
}


@dataclass(frozen=True)
class Exported:
    table: str
    rows: int
    path: str
    bytes: int


def export_tables(
    db_path: str | Path,
    out_dir: Path,
    tables: Sequence[str],
    log: Callable[[str], None] | None = None,
    fmt: str = "parquet",
    since: date | None = None,
) -> list[Exported]:
    """Write `out_dir/<table>.<fmt>` for each table, from one read-only connection (one snapshot). A file is
    written beside its target and renamed over it, so readers of `out_dir` never see half a file. CSV has a
    header and LF line ends; JSON lines are one object per row, lists as arrays."""
    unknown = sorted(set(tables) - set(EXPORTABLE))
    if unknown:
        raise ValueError(f"cannot export {', '.join(unknown)}: choose from {', '.join(EXPORTABLE)}")
    if fmt not in FORMATS:
        raise ValueError(f"cannot export as {fmt}: choose from {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect_read_only(db_path, log=log)
    try:
        con.execute("BEGIN TRANSACTION")  # every table from the same snapshot
        exported = []
        for table in tables:
            target = out_dir / f"{table}.{fmt}"
            partial = out_dir / f".{table}.{fmt}.partial"
            query = _SINCE[table] if since else f"SELECT * FROM {table}"
            params: dict[str, object] = {"since": since} if since else {}
            rows = con.execute(f"SELECT count(*) FROM ({query})", params).fetchall()[0][0]
            _write(con, query, params, partial, fmt)
            os.replace(partial, target)
            exported.append(Exported(table, rows, str(target), target.stat().st_size))
        con.execute("COMMIT")
        return exported
    finally:
        con.close()


def _write(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, object], path: Path, fmt: str) -> None:
    relation = con.sql(query, params=params) if params else con.sql(query)
    if fmt == "parquet":
        relation.write_parquet(str(path), compression="zstd")
    elif fmt == "csv":
        relation.write_csv(str(path), header=True)
    else:
        quoted = "'" + str(path).replace("'", "''") + "'"  # COPY takes no bound file name
        con.execute(f"COPY ({query}) TO {quoted} (FORMAT json)", params)
