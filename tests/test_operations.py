"""Operations under a real Prefect API and real DuckDB files: the project folder, refused blank paths, the
"not configured" fetch, loud export failures, run names, and the writer's global concurrency limit."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from prefect.exceptions import ParameterTypeError

from khabar import config
from khabar.flows.deployments import deep_merge
from khabar.flows.export import export_parquet
from khabar.flows.fetch import NOT_CONFIGURED, fetch_and_ingest
from khabar.flows.ingest import ingest_dumps
from tests.conftest import SAMPLES, count_rows

pytestmark = pytest.mark.usefixtures("prefect_api")


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_blank_paths_are_refused_before_anything_is_read(db: str, blank: str) -> None:
    with pytest.raises(ParameterTypeError):
        ingest_dumps(paths=[str(SAMPLES), blank], db=db)
    assert not Path(db).exists()


def test_relative_paths_are_read_in_khabar_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    shutil.copytree(SAMPLES, home / "data" / "samples")
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # as a worker's temporary folder would be
    monkeypatch.setenv("KHABAR_HOME", str(home))
    monkeypatch.delenv("KHABAR_DB", raising=False)
    state = ingest_dumps(paths=["data/samples"], return_state=True)
    assert state.is_completed(), state
    assert state.state_details.flow_run_id
    rows = count_rows(str(home / "warehouse" / "khabar.duckdb"))
    assert rows["articles"] == 5 and not (elsewhere / "warehouse").exists()

    exported = export_parquet(out_dir="warehouse/export")
    assert exported > 0 and (home / "warehouse" / "export" / "articles.parquet").is_file()


def test_a_deploy_without_khabar_home_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHABAR_HOME", "{{ $KHABAR_HOME }}")  # what `prefect deploy` leaves when it was unset
    with pytest.raises(ValueError, match="prefect deploy"):
        config.resolve("data/samples")


def test_fetch_without_a_sources_file_is_not_configured_not_failed(db: str, tmp_path: Path) -> None:
    missing = tmp_path / "sources.toml"
    state = fetch_and_ingest(sources=str(missing), db=db, return_state=True)
    assert state.is_completed() and state.name == NOT_CONFIGURED
    assert str(missing) in (state.message or "")
    assert not Path(db).exists()  # nothing was written, not even a failed run


def test_an_export_that_cannot_write_fails_loudly(db: str, tmp_path: Path) -> None:
    ingest_dumps(paths=[str(SAMPLES)], db=db)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the export folder should be")
    state = export_parquet(out_dir=str(blocker / "export"), db=db, return_state=True)
    assert state.is_failed()
    with pytest.raises(OSError):
        state.result()


def test_run_names_say_what_ran(db: str) -> None:
    from prefect.client.orchestration import get_client

    state = ingest_dumps(paths=[str(SAMPLES)], db=db, return_state=True)
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.name == "ingest-dumps/samples-b1000"


def test_deep_merge_keeps_the_fields_a_run_did_not_give() -> None:
    served = {"db": "/w.duckdb", "batch": {"batch_size": 1000, "max_bytes": 123, "min_body_words": 20}}
    run = {"batch": {"batch_size": 500}, "paths": ["x"]}
    assert deep_merge(served, run) == {
        "db": "/w.duckdb",
        "batch": {"batch_size": 500, "max_bytes": 123, "min_body_words": 20},
        "paths": ["x"],
    }


def test_a_second_writer_waits_in_prefect_for_the_writer_slot(db: str) -> None:
    """The test plays a live run: it takes the warehouse's one slot of the global concurrency limit and its file
    lock. A run then parses its inputs but waits in Prefect before it writes, and loads once the slot is free."""
    from prefect.client.orchestration import get_client
    from prefect.concurrency.sync import concurrency

    from khabar.tasks.limits import ensure_writer_limit, writer_limit
    from khabar.warehouse.db import write_lock

    name = writer_limit(db)
    ensure_writer_limit(name)
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(name).limit == 1
    finished: dict[str, float] = {}

    def run() -> None:
        ingest_dumps(paths=[str(SAMPLES)], db=db)
        finished["at"] = time.monotonic()

    with concurrency(name, occupy=1, timeout_seconds=30, strict=True), write_lock(db, "the test"):
        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(8)  # enough for the run to parse and reach the slot on a busy machine
        assert "at" not in finished
        assert not Path(db).exists()  # it waits in Prefect, not on the warehouse file
        released = time.monotonic()
    worker.join(timeout=120)
    assert finished["at"] >= released
    assert count_rows(db)["articles"] == 5


def test_a_slot_left_by_a_dead_run_is_freed(db: str, caplog: pytest.LogCaptureFixture) -> None:
    """A run killed while writing keeps its slot on a temporary server (which never expires leases). With no
    process on the file lock, the next run frees it and writes at once instead of waiting out its timeout."""
    from prefect.client.orchestration import get_client

    from khabar.tasks.limits import ensure_writer_limit, writer_limit

    name = writer_limit(db)
    ensure_writer_limit(name)
    with get_client(sync_client=True) as client:
        client.increment_concurrency_slots_with_lease(names=[name], slots=1, mode="concurrency", lease_duration=600)
        assert client.read_global_concurrency_limit_by_name(name).active_slots == 1
    started = time.monotonic()
    ingest_dumps(paths=[str(SAMPLES)], db=db)
    assert time.monotonic() - started < 60
    assert f"freed 1 slot(s) of {name}" in caplog.text
    assert count_rows(db)["articles"] == 5
    assert count_rows(db)["articles"] == 5
