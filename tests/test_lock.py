"""One writer at a time: a run meeting another process on the warehouse waits, then loads, or gives up clearly."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from khabar.flows.ingest import ingest_dumps
from khabar.warehouse.db import WarehouseBusy
from tests.conftest import ROOT, SAMPLES, count_rows

pytestmark = pytest.mark.usefixtures("prefect_api")

FIRST = SAMPLES / "000_e840aa923773798b.txt"
# Other processes on the warehouse: a DuckDB reader (as `khabar sql` or the duckdb CLI), and another khabar writer.
HOLDERS = {
    "reader": "import duckdb, sys\ncon = duckdb.connect(sys.argv[1], read_only=True)\n"
    "print('ready', flush=True)\nsys.stdin.read()",
    "writer": "import sys\nfrom khabar.warehouse.db import write_lock\nwith write_lock(sys.argv[1], 'a test holder'):\n"
    "    print('ready', flush=True)\n    sys.stdin.read()",
}


@contextmanager
def holding(kind: str, db: str) -> Iterator[subprocess.Popen[str]]:
    """A real process holding the warehouse until its stdin closes."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDERS[kind], db], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        release(proc)


def release(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


class Waiting(logging.Handler):
    """Notices the run's "waiting up to ... for the warehouse" log line."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "for the warehouse" in message:
            self.lines.append(message)
            self.seen.set()


@pytest.fixture
def waiting() -> Iterator[Waiting]:
    handler = Waiting()
    logger = logging.getLogger("prefect.task_runs")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.mark.parametrize("kind", ["reader", "writer"])
def test_a_run_waits_for_the_holder_then_loads(
    kind: str, db: str, waiting: Waiting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KHABAR_LOCK_TIMEOUT", "120")
    ingest_dumps(paths=[str(FIRST)], db=db)
    released: list[datetime] = []
    with holding(kind, db) as holder:

        def release_once_the_run_waits() -> None:
            if waiting.seen.wait(timeout=120):
                released.append(datetime.now(UTC))
                release(holder)

        closer = threading.Thread(target=release_once_the_run_waits, daemon=True)
        closer.start()
        report = ingest_dumps(paths=[str(SAMPLES)], db=db)
        closer.join()
    assert report.docs_new == 4 and report.articles_loaded == 4
    assert str(holder.pid) in waiting.lines[0]
    if kind == "writer":
        assert "another khabar run is writing" in waiting.lines[0] and "a test holder" in waiting.lines[0]
    con = duckdb.connect(db, read_only=True)
    [(finished,)] = con.execute("SELECT max(finished_at) FROM runs WHERE docs_new = 4").fetchall()
    con.close()
    assert released and finished > released[0]  # the load committed only after the holder let go
    assert count_rows(db)["articles"] == 5


def test_a_run_gives_up_after_the_timeout_and_the_next_run_loads(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ingest_dumps(paths=[str(FIRST)], db=db)
    before = count_rows(db)
    monkeypatch.setenv("KHABAR_LOCK_TIMEOUT", "1")
    with holding("reader", db) as reader, pytest.raises(WarehouseBusy) as busy:
        ingest_dumps(paths=[str(SAMPLES)], db=db)
    message = str(busy.value)
    assert "KHABAR_LOCK_TIMEOUT" in message and f"process {reader.pid}" in message
    assert "next run picks up these inputs" in message
    assert count_rows(db) == before  # nothing written, not even a runs row: the file was never ours
    assert "failed" in latest_summary() and "WarehouseBusy" in latest_summary()

    again = ingest_dumps(paths=[str(SAMPLES)], db=db)
    assert again.docs_new == 4 and count_rows(db)["articles"] == 5


def latest_summary() -> str:
    """The newest ingest-dumps summary artifact, as the Prefect UI shows it."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        key = ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-dumps-summary"]))
        [artifact] = client.read_artifacts(artifact_filter=key, sort=ArtifactSort.CREATED_DESC, limit=1)
    return str(artifact.data)


def test_the_lock_file_sits_beside_the_warehouse_and_is_released(db: str) -> None:
    ingest_dumps(paths=[str(FIRST)], db=db)
    assert Path(f"{db}.lock").exists()
    with holding("writer", db):  # a second process can take it: the run let go
        pass
