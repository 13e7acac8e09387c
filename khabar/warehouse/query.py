"""Reads the pipeline needs before it writes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import regex

from khabar.records import FileSeen, Known
from khabar.text.versions import Copy
from khabar.warehouse.db import WarehouseMissing, connect_read_only, id_table, is_lake, registered
from khabar.warehouse.search import load_fts


def snapshot_known(
    db_path: str | Path,
    out: str | Path,
    files: Sequence[FileSeen] = (),
    log: Callable[[str], None] | None = None,
    inputs: int | None = None,
) -> Known:
    """Write the ids of every document the warehouse holds to `out` (sorted SHA-256 digests, a NumPy file),
    read once before a run parses, so that parsing never opens the warehouse the run's writer holds; and find
    which of `files` are unchanged since a run read them. When all of the run's `inputs` (a count; None: not
    known yet) are unchanged files, nothing is parsed and no id is read. Waits while another process writes."""
    ids = np.empty(0, dtype=DIGEST)
    documents = 0
    unchanged: dict[str, int] = {}
    con = _read_only(db_path, log)
    if con is not None:
        try:
            tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
            if "input_files" in tables and files:
                found = pa.table(
                    {
                        "source_uri": [f.source_uri for f in files],
                        "size": pa.array([f.size for f in files], pa.int64()),
                        "mtime_ns": pa.array([f.mtime_ns for f in files], pa.int64()),
                    }
                )
                with registered(con, found_files=found):
                    rows = con.execute(
                        "SELECT f.source_uri, any_value(i.documents) FROM found_files f "
                        "JOIN input_files i USING (source_uri, size, mtime_ns) GROUP BY 1"
                    ).fetchall()
                unchanged = dict(rows)
            if "documents" in tables and (inputs is None or len(unchanged) < inputs):
                column = (
                    con.execute(
                        "SELECT unhex(doc_id) AS d FROM documents WHERE regexp_full_match(doc_id, '[0-9a-f]{64}') "
                        "ORDER BY d"
                    )
                    .arrow()
                    .read_all()
                    .column(0)
                )
                ids = np.array(column.to_pylist(), dtype=DIGEST)
                documents = len(ids)
            elif "documents" in tables:  # a re-run with nothing to read: the count alone, for the log
                documents = con.execute("SELECT count(*) FROM documents").fetchall()[0][0]
        finally:
            con.close()
    np.save(out, ids, allow_pickle=False)
    return Known(str(out), documents, unchanged)


def _read_only(db_path: str | Path, log: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the warehouse, or None where there is none yet."""
    if not _exists(db_path):
        return None
    try:
        return connect_read_only(db_path, log=log)
    except WarehouseMissing:  # a DuckLake catalog not made yet
        return None


DIGEST = np.dtype("S32")  # a doc_id, the SHA-256 of the bytes, as its 32 bytes


def known_doc_ids(snapshot: str | Path, doc_ids: Sequence[str]) -> set[str]:
    """The subset of `doc_ids` in a `snapshot_known` file (mapped, not read: the workers of a run share it)."""
    known = _snapshot(str(snapshot))
    if not doc_ids or not len(known):
        return set()
    probe = np.array([bytes.fromhex(doc_id) for doc_id in doc_ids], dtype=DIGEST)
    at = np.minimum(np.searchsorted(known, probe), len(known) - 1)
    return {doc_id for doc_id, hit in zip(doc_ids, known[at] == probe, strict=True) if hit}


@functools.lru_cache(maxsize=2)
def _snapshot(path: str) -> np.ndarray[Any, np.dtype[np.bytes_]]:
    return np.load(path, mmap_mode="r", allow_pickle=False)  # type: ignore[no-any-return]


def _exists(db_path: str | Path) -> bool:
    """A warehouse file that exists, or a DuckLake (whose catalog says whether it exists when attached)."""
    return is_lake(db_path) or Path(db_path).exists()


def _fetch_log(db_path: str | Path) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to a warehouse that has the fetch log, else None."""
    con = _read_only(db_path)
    if con is None:
        return None
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'fetches'").fetchall()[0][0]:
        con.close()
        return None
    return con


def settled_urls(db_path: str | Path, urls: Sequence[str], max_tries: int) -> set[str]:
    """Page URLs of `urls` not to fetch again: landed, failed for good, or failed `max_tries` times (a page
    deferred by a run out of time was not tried)."""
    con = _fetch_log(db_path)
    if con is None or not urls:
        return set()
    try:
        with registered(con, candidates=id_table(urls, "url")):
            rows = con.execute(
                """
                SELECT url FROM fetches SEMI JOIN candidates USING (url)
                WHERE kind = 'page'
                GROUP BY url
                HAVING bool_or(outcome = 'landed') OR bool_or(NOT retryable)
                    OR count(*) FILTER (WHERE reason IS DISTINCT FROM 'deferred') >= ?
                """,
                [max_tries],
            ).fetchall()
        return {row[0] for row in rows}
    finally:
        con.close()


def retry_queue(db_path: str | Path, max_tries: int) -> list[tuple[str, str | None]]:
    """(url, source) of pages that only ever failed for passing reasons, fewer than `max_tries` times, or were
    deferred by a run out of time."""
    con = _fetch_log(db_path)
    if con is None:
        return []
    try:
        return [
            (url, source)
            for url, source in con.execute(
                """
                SELECT url, any_value(source) FROM fetches WHERE kind = 'page'
                GROUP BY url HAVING bool_and(outcome = 'failed' AND retryable)
                    AND count(*) FILTER (WHERE reason IS DISTINCT FROM 'deferred') < ?
                ORDER BY min(fetched_at)
                """,
                [max_tries],
            ).fetchall()
        ]
    finally:
        con.close()


def fetch_history(db_path: str | Path) -> tuple[dict[str, tuple[str | None, str | None]], dict[str, list[str]]]:
    """(url -> (ETag, Last-Modified) of the last full read of each feed and sitemap,
    source -> the sitemaps read for it before, index children included)."""
    con = _fetch_log(db_path)
    if con is None:
        return {}, {}
    try:
        rows = con.execute(
            """
            SELECT url, kind, any_value(source), arg_max(etag, fetched_at), arg_max(last_modified, fetched_at)
            FROM fetches WHERE kind IN ('feed', 'sitemap') AND outcome = 'listed' GROUP BY url, kind ORDER BY url
            """
        ).fetchall()
    finally:
        con.close()
    sitemaps: dict[str, list[str]] = {}
    for url, kind, source, _, _ in rows:
        if kind == "sitemap" and source:
            sitemaps.setdefault(source, []).append(url)
    return {url: (etag, modified) for url, _, _, etag, modified in rows if etag or modified}, sitemaps


class SqlError(Exception):
    """A query the warehouse refused: its message is DuckDB's."""


@dataclass(frozen=True)
class SqlResult:
    columns: list[str]
    types: list[str]  # DuckDB's type of each column: JSON columns hold JSON text
    rows: list[tuple[object, ...]]


# DESCRIBE of one table or view, as the query `khabar sql` runs instead: DuckDB's DESCRIBE plus the comment.
_DESCRIBE = regex.compile(r"\s*(?:DESCRIBE|DESC)\s+(?:TABLE\s+)?(\w+)\s*;?\s*", regex.IGNORECASE)


def sandboxed(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """`con` unable to touch any file but the warehouse: no COPY TO, ATTACH, read_csv of other paths, INSTALL;
    the setting locked so a query cannot turn it back on. The fts extension is loaded first, for search SQL."""
    load_fts(con)
    lake = con.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'warehouse' AND type = 'ducklake'"
    ).fetchall()[0][0]
    if lake:  # a DuckLake's rows are Parquet files under its data path: only that folder may be read
        data_path = con.execute("SELECT data_path FROM ducklake_settings('warehouse')").fetchall()[0][0]
        con.execute("SET allowed_directories = $dirs", {"dirs": [data_path]})
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_sql(
    db_path: str | Path,
    query: str,
    *,
    show: tuple[int, int] | None = None,
    log: Callable[[str], None] | None = None,
) -> SqlResult | None:
    """Run `query` on a read-only, sandboxed connection. With `show` (width, max_rows), print DuckDB's table
    and return None; else return the columns and rows. None too for a statement without a result."""
    con = connect_read_only(db_path, log=log)
    try:
        sandboxed(con)
        described = _DESCRIBE.fullmatch(query)
        if described:
            relation = con.sql(
                "SELECT d.*, c.comment FROM (DESCRIBE " + _identifier(described.group(1)) + ") d "
                "LEFT JOIN duckdb_columns() c ON c.table_name = $name AND c.column_name = d.column_name "
                "AND c.schema_name = current_schema() AND c.database_name = current_database()",
                params={"name": described.group(1)},
            )
        else:
            relation = con.sql(query)
        if relation is None:
            return None
        if show:
            relation.show(max_width=show[0], max_rows=show[1])
            return None
        return SqlResult(list(relation.columns), [str(t) for t in relation.types], relation.fetchall())
    except duckdb.Error as error:
        raise SqlError(str(error)) from error
    finally:
        con.close()


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class NotFound(LookupError):
    """No story or article has that id, or a prefix names several."""


def story_copies(db_path: str | Path, ident: str, log: Callable[[str], None] | None = None) -> tuple[str, list[Copy]]:
    """The story named by `ident` (a story id or an article id, or an unambiguous prefix of one) and its
    copies in spread order: by publication time, else fetch time."""
    ident = ident.strip().lower()
    if len(ident) < 6 or not regex.fullmatch(r"[0-9a-f]+", ident):
        raise NotFound(f"{ident!r} is not an id: give a story or article id, or its first 6 or more hex digits")
    con = connect_read_only(db_path, log=log)
    try:
        stories = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT story_id FROM story_members WHERE starts_with(story_id, $p) OR starts_with(article_id, $p) "
                "ORDER BY 1 LIMIT 6",
                {"p": ident},
            ).fetchall()
        ]
        if not stories:
            raise NotFound(f"no story or article with id {ident}")
        if len(stories) > 1:
            raise NotFound(f"{ident} names several stories ({', '.join(s[:12] for s in stories)}…): give more digits")
        rows = con.execute(
            """
            SELECT a.article_id, a.outlet, coalesce(a.published_at, a.fetched_at), m.relation, m.similarity,
                   m.shared_ratio, a.agency, a.title, a.body, a.source_uri
            FROM story_members m JOIN articles a USING (article_id)
            WHERE m.story_id = ?
            ORDER BY coalesce(a.published_at, a.fetched_at), m.relation <> 'canonical', a.fetched_at, a.article_id
            """,
            [stories[0]],
        ).fetchall()
    finally:
        con.close()
    return stories[0], [Copy(*row) for row in rows]


@dataclass(frozen=True)
class ReportData:
    stories: list[tuple[str, list[Copy]]]  # the largest, then fastest-spreading, first; copies in spread order
    shares: list[tuple[str, str, int]]  # (outlet, agency or 'own', articles)
    boilerplate: list[tuple[str, str, int, int, str]]  # (outlet, kind, blocks, articles of the outlet, example)


def report_data(
    db_path: str | Path, since: date | None = None, limit: int = 500, log: Callable[[str], None] | None = None
) -> ReportData:
    """What `khabar report` shows, from one read-only snapshot. With `since`, only stories and articles
    published (else fetched) from that day on (midnight in India)."""
    since_sql = "coalesce(a.published_at, a.fetched_at) >= timezone('Asia/Kolkata', $since::TIMESTAMP)"
    con = connect_read_only(db_path, log=log)
    try:
        con.execute("BEGIN TRANSACTION")
        rows = con.execute(
            f"""
            WITH chosen AS (
                SELECT m.story_id, count(*) AS n, count(DISTINCT a.outlet) AS outlets,
                       date_diff('minute', min(a.published_at), max(a.published_at)) AS span
                FROM story_members m JOIN articles a USING (article_id)
                GROUP BY m.story_id
                HAVING $since IS NULL OR bool_or({since_sql})
                ORDER BY n DESC, outlets DESC, span NULLS LAST, m.story_id LIMIT $limit
            )
            SELECT c.story_id, a.article_id, a.outlet, coalesce(a.published_at, a.fetched_at), m.relation,
                   m.similarity, m.shared_ratio, a.agency, a.title, a.body, a.source_uri
            FROM chosen c JOIN story_members m USING (story_id) JOIN articles a USING (article_id)
            ORDER BY c.n DESC, c.outlets DESC, c.span NULLS LAST, c.story_id,
                     coalesce(a.published_at, a.fetched_at), m.relation <> 'canonical', a.fetched_at, a.article_id
            """,
            {"since": since, "limit": limit},
        ).fetchall()
        stories: list[tuple[str, list[Copy]]] = []
        for story_id, *copy in rows:
            if not stories or stories[-1][0] != story_id:
                stories.append((story_id, []))
            stories[-1][1].append(Copy(*copy))
        shares = con.execute(
            f"""
            SELECT coalesce(a.outlet, '(unknown)'), coalesce(a.agency, 'own'), count(*) FROM articles a
            WHERE $since IS NULL OR {since_sql} GROUP BY ALL ORDER BY 1, 2
            """,
            {"since": since},
        ).fetchall()
        boilerplate = con.execute(
            f"""
            WITH chosen AS (SELECT * FROM articles a WHERE $since IS NULL OR {since_sql}),
            per_outlet AS (SELECT coalesce(outlet, '(unknown)') AS outlet, count(*) AS n FROM chosen GROUP BY 1)
            SELECT coalesce(a.outlet, '(unknown)') AS outlet, r.kind, count(*) AS blocks, any_value(p.n),
                   mode(r.text) AS example
            FROM removed_blocks r JOIN chosen a USING (article_id)
            JOIN per_outlet p ON p.outlet = coalesce(a.outlet, '(unknown)')
            GROUP BY ALL ORDER BY outlet, blocks DESC, r.kind
            """,
            {"since": since},
        ).fetchall()
        con.execute("COMMIT")
    finally:
        con.close()
    return ReportData(stories, shares, boilerplate)
