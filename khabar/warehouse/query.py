"""Reads the pipeline needs before it writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from khabar.warehouse.db import WarehouseMissing, connect_read_only, id_table, is_lake, registered


def known_doc_ids(db_path: str | Path, doc_ids: Sequence[str], log: Callable[[str], None] | None = None) -> set[str]:
    """The subset of `doc_ids` the warehouse already holds; waits while another process writes."""
    if not doc_ids or not _exists(db_path):
        return set()
    try:
        con = connect_read_only(db_path, log=log)
    except WarehouseMissing:  # a DuckLake catalog not made yet
        return set()
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'documents'").fetchall()[0][0]:
            return set()
        with registered(con, candidates=id_table(doc_ids, "doc_id")):
            rows = con.execute("SELECT doc_id FROM documents SEMI JOIN candidates USING (doc_id)").fetchall()
        return {row[0] for row in rows}
    finally:
        con.close()


def _exists(db_path: str | Path) -> bool:
    """A warehouse file that exists, or a DuckLake (whose catalog says whether it exists when attached)."""
    return is_lake(db_path) or Path(db_path).exists()


def _fetch_log(db_path: str | Path) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to a warehouse that has the fetch log, else None."""
    if not _exists(db_path):
        return None
    try:
        con = connect_read_only(db_path)
    except WarehouseMissing:
        return None
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'fetches'").fetchall()[0][0]:
        con.close()
        return None
    return con


def settled_urls(db_path: str | Path, urls: Sequence[str], max_tries: int) -> set[str]:
    """Page URLs of `urls` not to fetch again: landed, failed for good, or failed `max_tries` times."""
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
                HAVING bool_or(outcome = 'landed') OR bool_or(NOT retryable) OR count(*) >= ?
                """,
                [max_tries],
            ).fetchall()
        return {row[0] for row in rows}
    finally:
        con.close()


def retry_queue(db_path: str | Path, max_tries: int) -> list[tuple[str, str | None]]:
    """(url, source) of pages that only ever failed for passing reasons, fewer than `max_tries` times."""
    con = _fetch_log(db_path)
    if con is None:
        return []
    try:
        return [
            (url, source)
            for url, source in con.execute(
                """
                SELECT url, any_value(source) FROM fetches WHERE kind = 'page'
                GROUP BY url HAVING bool_and(outcome = 'failed' AND retryable) AND count(*) < ?
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
    rows: list[tuple[object, ...]]


def run_sql(
    db_path: str | Path,
    query: str,
    *,
    show: tuple[int, int] | None = None,
    log: Callable[[str], None] | None = None,
) -> SqlResult | None:
    """Run `query` on a read-only connection. With `show` (width, max_rows), print DuckDB's table and
    return None; else return the columns and rows. None too for a statement without a result."""
    con = connect_read_only(db_path, log=log)
    try:
        relation = con.sql(query)
        if relation is None:
            return None
        if show:
            relation.show(max_width=show[0], max_rows=show[1])
            return None
        return SqlResult(list(relation.columns), relation.fetchall())
    except duckdb.Error as error:
        raise SqlError(str(error)) from error
    finally:
        con.close()
