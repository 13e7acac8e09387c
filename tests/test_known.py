"""A run skips the documents the warehouse holds by a snapshot of their ids taken before it parses (parsing
never opens the warehouse, which the run's writer holds while later batches parse), and does not read again
the files unchanged since a run read them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import duckdb
import numpy as np

from khabar.flows.ingest import ingest_dumps
from khabar.inputs.discover import discover, file_stats
from khabar.warehouse.query import known_doc_ids, snapshot_known
from tests.conftest import SAMPLES


def test_the_snapshot_holds_exactly_the_stored_documents(prefect_api: str, db: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing.npy"
    assert snapshot_known(db, missing).documents == 0 and known_doc_ids(missing, ["ab" * 32]) == set()

    ingest_dumps(paths=[str(SAMPLES)], db=db)
    con = duckdb.connect(db, read_only=True)
    stored = [row[0] for row in con.execute("SELECT doc_id FROM documents").fetchall()]
    con.close()
    snapshot = tmp_path / "known.npy"
    assert snapshot_known(db, snapshot).documents == len(stored) > 0
    others = [hashlib.sha256(f"not stored {i}".encode()).hexdigest() for i in range(50)]
    others.append("f" * 64)  # beyond the largest stored id
    assert known_doc_ids(snapshot, [*others, *stored]) == set(stored)
    assert known_doc_ids(snapshot, []) == set()


def test_a_rerun_reads_no_file_unchanged_since_it_was_read(prefect_api: str, db: str, tmp_path: Path) -> None:
    folder = tmp_path / "dumps" / "Outlet"
    shutil.copytree(SAMPLES, folder)
    records = [
        {"title": f"रिकॉर्ड {i}", "text": path.read_text()} for i, path in enumerate(sorted(SAMPLES.iterdir())[:2])
    ]
    (folder / "records.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    for path in folder.iterdir():  # written now, whenever the clone was made
        os.utime(path)
    first = ingest_dumps(paths=[str(folder.parent)], db=db)
    assert first.files_unchanged == 0 and first.docs_new == first.docs_seen == 7
    # files written just now may still be changing within their clock's resolution: they are read again
    again = ingest_dumps(paths=[str(folder.parent)], db=db)
    assert again.files_unchanged == 0 and again.docs_seen == 7 and again.docs_new == 0

    files = sorted(path for path in folder.iterdir() if path.suffix == ".txt")
    settled = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (settled, settled))
    ingest_dumps(paths=[str(folder.parent)], db=db)
    noop = ingest_dumps(paths=[str(folder.parent)], db=db)
    assert (noop.files_unchanged, noop.docs_seen, noop.docs_new) == (6, 7, 0)  # their documents count as seen

    # a file rewritten, or only touched, is read again; a new file is read
    files[0].write_bytes(files[0].read_bytes() + "\nनया अनुच्छेद जोड़ा गया।\n".encode())
    os.utime(files[1], (settled + 1, settled + 1))
    (folder / "new.txt").write_bytes(files[2].read_bytes())
    changed = ingest_dumps(paths=[str(folder.parent)], db=db)
    assert (changed.files_unchanged, changed.docs_seen, changed.docs_new) == (4, 8, 1)
    con = duckdb.connect(db, read_only=True)
    try:  # the copy in a new place is a sighting of a known document, as before
        sighted = con.execute("SELECT count(*) FROM sightings WHERE source_uri LIKE '%new.txt'").fetchall()
        runs = con.execute("SELECT files_unchanged, docs_seen FROM runs ORDER BY started_at").fetchall()
    finally:
        con.close()
    assert sighted == [(1,)] and runs[-1] == (4, 8) and runs[0] == (0, 7)


def test_a_run_whose_every_input_is_unchanged_reads_no_id(prefect_api: str, db: str, tmp_path: Path) -> None:
    folder = tmp_path / "dumps" / "Outlet"
    shutil.copytree(SAMPLES, folder)
    settled = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (settled, settled))
    stored = ingest_dumps(paths=[str(folder.parent)], db=db).docs_new
    files = file_stats(discover([str(folder.parent)]))
    nothing_to_read = snapshot_known(db, tmp_path / "none.npy", files, inputs=len(files))
    assert len(nothing_to_read.unchanged) == len(files) > 0
    assert nothing_to_read.documents == stored > 0 and len(np.load(tmp_path / "none.npy")) == 0
    one_more = snapshot_known(db, tmp_path / "all.npy", files, inputs=len(files) + 1)  # say, a FIFO among them
    assert one_more.documents == stored and len(np.load(tmp_path / "all.npy")) == stored
