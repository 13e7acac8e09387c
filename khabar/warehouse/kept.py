"""`article_shingles`: the compact shingles kept of every article (khabar/tasks/compact.py), written for a
run's new articles, read for its candidates and the canonicals of their stories, and made once from the
bodies of articles stored before the table existed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import duckdb
import numpy as np
import pyarrow as pa

from khabar.tasks.compact import Compact, compact_bodies
from khabar.tasks.dedup import DedupSettings
from khabar.warehouse.db import id_table, registered

_PUSHED_IDS = 10_000  # id lists up to this long are pushed into the scans they are joined with


def store(con: duckdb.DuckDBPyConnection, kept: Mapping[str, Compact]) -> None:
    table = pa.table(
        {
            "article_id": pa.array(list(kept), pa.string()),
            "windows": pa.array([k.windows.astype("<u4").tobytes() for k in kept.values()], pa.binary()),
            "paragraph_words": pa.array([list(k.paragraph_words) for k in kept.values()], pa.list_(pa.int32())),
            "short_windows": pa.array([k.short.astype("<u4").tobytes() for k in kept.values()], pa.binary()),
            "numbers": pa.array([sorted(k.numbers) for k in kept.values()], pa.list_(pa.string())),
        }
    )
    with registered(con, new_shingles=table):
        con.execute(
            "INSERT INTO article_shingles (article_id, windows, paragraph_words, short_windows, numbers) "
            "SELECT article_id, windows, paragraph_words, short_windows, numbers FROM new_shingles"
        )


def fetch(con: duckdb.DuckDBPyConnection, article_ids: set[str], settings: DedupSettings) -> dict[str, Compact]:
    """The compact shingles of stored articles: read, or made from the body and kept when there are none."""
    if not article_ids:
        return {}
    with ids_pushed_down(con), registered(con, wanted_ids=id_table(article_ids)):
        rows = con.execute(
            "SELECT article_id, windows, paragraph_words, short_windows, numbers "
            "FROM article_shingles SEMI JOIN wanted_ids USING (article_id)"
        ).fetchall()
    found = {
        article_id: Compact(_hashes(windows), tuple(counts), _hashes(short), frozenset(numbers))
        for article_id, windows, counts, short, numbers in rows
    }
    if missing := article_ids - found.keys():
        with ids_pushed_down(con), registered(con, wanted_ids=id_table(missing)):
            query = "SELECT article_id, body FROM articles SEMI JOIN wanted_ids USING (article_id)"
            bodies = dict(con.execute(query).fetchall())
        made = dict(zip(bodies, compact_bodies(list(bodies.values()), settings), strict=True))
        store(con, made)
        found |= made
    return found


@contextmanager
def ids_pushed_down(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Joins against up to `_PUSHED_IDS` ids filter the other side's scan by them, so its wide columns
    (bodies, shingles) are read for the matching rows only, not for the whole archive."""
    con.execute(f"SET dynamic_or_filter_threshold = {_PUSHED_IDS}")
    try:
        yield
    finally:
        con.execute("RESET dynamic_or_filter_threshold")


def _hashes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, "<u4").astype(np.uint32)
