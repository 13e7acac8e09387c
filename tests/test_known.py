"""A run skips the documents the warehouse holds by a snapshot of their ids taken before it parses: parsing
never opens the warehouse, which the run's writer holds while later batches parse."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from khabar.flows.ingest import ingest_dumps
from khabar.warehouse.query import known_doc_ids, snapshot_known
from tests.conftest import SAMPLES


def test_the_snapshot_holds_exactly_the_stored_documents(prefect_api: str, db: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing.npy"
    assert snapshot_known(db, missing) == 0 and known_doc_ids(missing, ["ab" * 32]) == set()

    ingest_dumps(paths=[str(SAMPLES)], db=db)
    con = duckdb.connect(db, read_only=True)
    stored = [row[0] for row in con.execute("SELECT doc_id FROM documents").fetchall()]
    con.close()
    snapshot = tmp_path / "known.npy"
    assert snapshot_known(db, snapshot) == len(stored) > 0
    others = [hashlib.sha256(f"not stored {i}".encode()).hexdigest() for i in range(50)]
    others.append("f" * 64)  # beyond the largest stored id
    assert known_doc_ids(snapshot, [*others, *stored]) == set(stored)
    assert known_doc_ids(snapshot, []) == set()


@pytest.mark.parametrize("rerun", [False, True])
def test_a_rerun_parses_nothing_it_has(prefect_api: str, db: str, rerun: bool) -> None:
    first = ingest_dumps(paths=[str(SAMPLES)], db=db)
    report = ingest_dumps(paths=[str(SAMPLES)], db=db) if rerun else first
    assert report.docs_seen == first.docs_seen > 0
    assert report.docs_new == (0 if rerun else first.docs_seen)
