"""`article_shingles`: the compact shingles kept of every article (khabar/grouping/windows.py), staged by the
workers with a run's new articles, read for its candidates and the canonicals of their stories, and made once from the
bodies of articles stored before the table existed."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import duckdb
import numpy as np
import pyarrow as pa

from khabar.config import DedupSettings
from khabar.grouping.windows import Compact, compact_bodies
from khabar.warehouse.db import id_table, registered
from khabar.warehouse.staging import ARTICLE_SHINGLES, band_rows, shingle_table

_COLUMNS = ", ".join(ARTICLE_SHINGLES.names)
KEPT_ARTICLES = 40_000  # compact shingles a writer keeps across chunks: at 100k a chunk reads about 30,000
_PUSHED_IDS = 10_000  # id lists up to this long are pushed into the scans they are joined with


def write_windows(con: duckdb.DuckDBPyConnection, kept: Mapping[str, Compact]) -> None:
    with registered(con, new_shingles=shingle_table(kept)):
        con.execute(f"INSERT INTO article_shingles ({_COLUMNS}) SELECT {_COLUMNS} FROM new_shingles")


class KeptWindows:
    """The compact shingles one writer read, kept across the chunks of its run, the most recently used
    `limit`: a chunk's candidates are mostly the last chunks' (about 85% at 100k generated dumps), and each
    holds the shingle sets made from it (`Compact.whole`) once compared. Only for a writer that holds the
    warehouse for the whole run: what it keeps changes only through its own `replace_windows`."""

    def __init__(self, limit: int = KEPT_ARTICLES) -> None:
        self.limit = limit
        self._kept: OrderedDict[str, Compact] = OrderedDict()

    def take(self, article_ids: set[str]) -> dict[str, Compact]:
        found = {}
        for article_id in article_ids & self._kept.keys():
            self._kept.move_to_end(article_id)
            found[article_id] = self._kept[article_id]
        return found

    def keep(self, kept: Mapping[str, Compact]) -> None:
        for article_id, compact in kept.items():
            self._kept[article_id] = compact
            self._kept.move_to_end(article_id)
        while len(self._kept) > self.limit:
            self._kept.popitem(last=False)

    def trim(self) -> None:
        """Drop what the comparisons of a chunk made of each kept body beyond its shingle sets (`Fingerprint.flat`,
        most of its memory): made again for the bodies the next chunk compares."""
        for compact in self._kept.values():
            if compact.made is not None and compact.made[1].flat is not None:
                object.__setattr__(compact.made[1], "flat", None)

    def forget(self, article_ids: Iterable[str]) -> None:
        for article_id in article_ids:
            self._kept.pop(article_id, None)

    def clear(self) -> None:
        self._kept.clear()


def read_windows(
    con: duckdb.DuckDBPyConnection, article_ids: set[str], settings: DedupSettings, cache: KeptWindows | None = None
) -> dict[str, Compact]:
    """The compact shingles of stored articles: from `cache`, else read, or made from the body and kept when there
    are none; what was read is kept in `cache`."""
    if cache is not None:
        hits = cache.take(article_ids)
        found = hits | read_windows(con, article_ids - hits.keys(), settings)
        cache.keep(found)
        return found
    if not article_ids:
        return {}
    with ids_pushed_down(con), registered(con, wanted_ids=id_table(article_ids)):
        query = f"SELECT {_COLUMNS} FROM article_shingles SEMI JOIN wanted_ids USING (article_id)"
        table = con.execute(query).arrow().read_all()  # read while the ids are registered: the reader is lazy
    found = _compacts(table)
    if missing := article_ids - found.keys():
        with ids_pushed_down(con), registered(con, wanted_ids=id_table(missing)):
            query = "SELECT article_id, body FROM articles SEMI JOIN wanted_ids USING (article_id)"
            bodies = dict(con.execute(query).fetchall())
        made = dict(zip(bodies, compact_bodies(list(bodies.values()), settings), strict=True))
        write_windows(con, made)
        found |= made
    return found


def staged_windows(table: pa.Table) -> dict[str, Compact]:
    """The compact shingles of staged `article_shingles` rows, as the writer inserts them."""
    return _compacts(table)


def _compacts(table: pa.Table) -> dict[str, Compact]:
    """`article_shingles` rows as Compacts, each column converted at once (not row by row into Python objects)."""
    columns = {name: table.column(name) for name in ARTICLE_SHINGLES.names}
    rows = zip(
        columns["article_id"].to_pylist(),
        _hash_runs(columns["windows"]),
        columns["paragraph_words"].to_pylist(),
        _hash_runs(columns["short_windows"]),
        columns["numbers"].to_pylist(),
        strict=True,
    )
    return {
        article_id: Compact(windows, tuple(counts), short, frozenset(numbers))
        for article_id, windows, counts, short, numbers in rows
    }


def _hash_runs(column: pa.ChunkedArray) -> list[np.ndarray]:
    """Each value of a binary column of little-endian UINTEGERs as its own uint32 array."""
    runs: list[np.ndarray] = []
    for chunk in column.cast(pa.large_binary()).chunks:  # no NULLs: the columns are NOT NULL
        _, offset_buffer, data_buffer = chunk.buffers()
        ends = np.frombuffer(offset_buffer, np.int64)[chunk.offset : chunk.offset + len(chunk) + 1].tolist()
        data = np.frombuffer(data_buffer, np.uint8) if data_buffer is not None else np.empty(0, np.uint8)
        runs += [data[a:b].view("<u4").astype(np.uint32) for a, b in itertools.pairwise(ends)]
    return runs


@contextmanager
def ids_pushed_down(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Joins against up to `_PUSHED_IDS` ids filter the other side's scan by them, so its wide columns
    (bodies, shingles) are read for the matching rows only, not for the whole archive."""
    con.execute(f"SET dynamic_or_filter_threshold = {_PUSHED_IDS}")
    try:
        yield
    finally:
        con.execute("RESET dynamic_or_filter_threshold")


def replace_windows(
    con: duckdb.DuckDBPyConnection, bodies: Mapping[str, str], settings: DedupSettings, cache: KeptWindows | None = None
) -> None:
    """New compact shingles and LSH bands for articles whose bodies changed in the warehouse."""
    if cache is not None:
        cache.forget(bodies)
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
