"""Reads the pipeline needs before it writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from khabar.warehouse.db import connect_read_only, id_table, registered


def known_doc_ids(db_path: str | Path, doc_ids: Sequence[str], log: Callable[[str], None] | None = None) -> set[str]:
    """The subset of `doc_ids` the warehouse already holds; waits while another process writes."""
    if not doc_ids or not Path(db_path).exists():
        return set()
    con = connect_read_only(db_path, log=log)
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'documents'").fetchall()[0][0]:
            return set()
        with registered(con, candidates=id_table(doc_ids, "doc_id")):
            rows = con.execute("SELECT doc_id FROM documents SEMI JOIN candidates USING (doc_id)").fetchall()
        return {row[0] for row in rows}
    finally:
        con.close()
