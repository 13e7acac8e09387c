"""`article_shingles`: the compact shingles kept of every article (khabar/grouping/windows.py), staged by the
workers with a run's new articles, read for its candidates and the canonicals of their stories, and made once from the
bodies of articles stored before the table existed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import duckdb
import numpy as np
import pyarrow as pa

from khabar.config import DedupSettings
from khabar.grouping.windows import Compact, compact_bodies
from khabar.warehouse.db import id_table, registered
from khabar.warehouse.staging import ARTICLE_SHINGLES, band_rows, shingle_table

_COLUMNS = ", ".join(ARTICLE_SHINGLES.names)
_PUSHED_IDS = 10_000  # id lists up to this long are pushed into the scans they are joined with


def write_windows(con: duckdb.DuckDBPyConnection, kept: Mapping[str, Compact]) -> None:
    with registered(con, new_shingles=shingle_table(kept)):
        con.execute(f"INSERT INTO article_shingles ({_COLUMNS}) SELECT {_COLUMNS} FROM new_shingles")


def read_windows(con: duckdb.DuckDBPyConnection, article_ids: set[str], settings: DedupSettings) -> dict[str, Compact]:
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
        write_windows(con, made)
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


def replace_windows(con: duckdb.DuckDBPyConnection, bodies: Mapping[str, str], settings: DedupSettings) -> None:
    """New compact shingles and LSH bands for articles whose bodies changed in the warehouse."""
    kept = dict(zip(bodies, compact_bodies(list(bodies.values()), settings, bands=True), strict=True))
    rows = [(article_id, band, bucket) for article_id, k in kept.items() for band, bucket in band_rows(k)]
    bands = pa.table(
        {
            "article_id": pa.array([r[0] for r in rows], pa.string()),
            "band": pa.array([r[1] for r in rows], pa.int16()),
            "bucket": pa.array([r[2] for r in rows], pa.int64()),
        }
    )
    with registered(con, changed_ids=id_table(set(kept)), changed_bands=bands):
        con.execute("DELETE FROM article_shingles WHERE article_id IN (SELECT article_id FROM changed_ids)")
        con.execute("DELETE FROM lsh_bands WHERE article_id IN (SELECT article_id FROM changed_ids)")
        con.execute("INSERT INTO lsh_bands SELECT * FROM changed_bands")
    write_windows(con, kept)
