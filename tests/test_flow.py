"""The ingest flow under a real Prefect API, into a real DuckDB file."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import duckdb
import psutil
import pytest
from prefect import flow, task
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner

from khabar.flows.ingest import ingest_dumps
from khabar.flows.params import BatchOptions
from khabar.flows.runners import WORKER_NICENESS, SubmittedAhead, task_runner
from khabar.tasks.ingest import discover_inputs
from khabar.warehouse import load
from tests.conftest import FIXTURES, SAMPLES, count_rows

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_samples_load_once_and_rerun_adds_nothing(db: str) -> None:
    first = ingest_dumps(paths=[str(SAMPLES)], db=db)
    assert (first.docs_seen, first.docs_new, first.docs_rejected, first.articles_loaded) == (5, 5, 0, 5)
    assert first.stories_new == 5 and first.stories_total == 5
    after_first = count_rows(db)
    assert after_first["documents"] == after_first["articles"] == after_first["story_members"] == 5

    second = ingest_dumps(paths=[str(SAMPLES)], db=db)  # files unchanged since read are not read again
    assert (second.docs_seen, second.docs_new, second.articles_loaded, second.stories_new) == (5, 0, 0, 0)
    after_second = count_rows(db)
    assert {k: v for k, v in after_second.items() if k != "runs"} == {
        k: v for k, v in after_first.items() if k != "runs"
    }
    con = duckdb.connect(db, read_only=True)
    runs = con.execute(
        "SELECT status, docs_seen, docs_new, articles_loaded, flow_run_id, params FROM runs ORDER BY started_at"
    ).fetchall()
    assert [r[:4] for r in runs] == [("completed", 5, 5, 5), ("completed", 5, 0, 0)]
    assert all(r[4] for r in runs)
    assert json.loads(runs[0][5])["paths"] == [str(SAMPLES)]
    stories = con.execute("SELECT story_id, n_articles, title FROM stories").fetchall()
    assert len(stories) == 5 and all(n == 1 for _, n, _ in stories)
    members = con.execute("SELECT count(*) FROM story_members WHERE story_id = article_id AND relation = 'canonical'")
    assert members.fetchall()[0][0] == 5


def test_bad_inputs_are_recorded_and_never_stop_the_run(db: str) -> None:
    ingest_dumps(paths=[str(SAMPLES)], db=db)
    report = ingest_dumps(paths=[str(FIXTURES / "inputs")], db=db, batch=BatchOptions(max_bytes=50_000))
    expected = json.loads((FIXTURES / "inputs.json").read_text(encoding="utf-8"))
    con = duckdb.connect(db, read_only=True)
    rows = dict(
        con.execute(
            "SELECT regexp_extract(source_uri, '[^/]+$'), coalesce(reject_reason, status) FROM documents "
            "WHERE format <> 'jsonl' AND run_id = (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1)"
        ).fetchall()
    )
    for name, spec in expected.items():
        if "lines" not in spec:
            assert rows[name] == spec.get("reason", "parsed"), name
    assert report.docs_seen == len(rows) + 4
    assert report.docs_rejected == sum(1 for s in rows.values() if s != "parsed") + 2
    assert report.rejects["empty"] == 2 and report.rejects["invalid_json"] == 1

    # Five re-encodings of sample 004 join its story as exact copies; the story keeps its id.
    [(seed_id,)] = con.execute(
        "SELECT article_id FROM articles WHERE source_uri LIKE '%004_cbc86d419f496ce4.txt'"
    ).fetchall()
    exact = con.execute(
        "SELECT count(*) FROM story_members WHERE story_id = ? AND relation = 'exact'", [seed_id]
    ).fetchall()[0][0]
    assert exact == 5
    [(n_articles, outlets)] = con.execute(
        "SELECT n_articles, outlets FROM stories WHERE story_id = ?", [seed_id]
    ).fetchall()
    assert n_articles == 6 and outlets == ["BhaskarHindi"]  # BhaskarHindi.com, by its alias
    # The HTML page and both parsed JSONL records carry sample 001's body.
    [(hs_id,)] = con.execute(
        "SELECT article_id FROM articles WHERE source_uri LIKE '%001_f1774d47c25524a3.txt'"
    ).fetchall()
    joined = con.execute("SELECT count(*) FROM story_members WHERE story_id = ? AND relation = 'exact'", [hs_id])
    assert joined.fetchall()[0][0] == 3
    # Seven of the eight are this run's copies; the eighth is sample 001 itself, exact now that a record of this
    # run, published at a known time that day, is the story's canonical (sample 001 gives only the date).
    canonical = con.execute(
        "SELECT a.source_uri, a.published_precision FROM story_members m JOIN articles a USING (article_id) "
        "WHERE m.story_id = ? AND m.relation = 'canonical'",
        [hs_id],
    ).fetchall()
    assert report.exact_duplicates == 7 and report.stories_new == 0, canonical


def test_removed_blocks_are_loaded_for_audit(db: str) -> None:
    ingest_dumps(paths=[str(SAMPLES / "003_1e727c62d9b96920.txt")], db=db)
    con = duckdb.connect(db, read_only=True)
    kinds = dict(con.execute("SELECT kind, count(*) FROM removed_blocks GROUP BY kind").fetchall())
    assert kinds["related"] == 21 and kinds["comment_prompt"] == 1
    texts = [r[0] for r in con.execute("SELECT text FROM removed_blocks ORDER BY seq").fetchall()]
    assert texts[0] == "International" and texts[-1] == "--%>"


def test_the_same_bytes_in_two_outlets_are_one_document_seen_twice(db: str, tmp_path: Path) -> None:
    dumps = tmp_path / "dumps"
    for outlet in ("Outlet A", "Outlet B"):
        (dumps / outlet).mkdir(parents=True)
        shutil.copy(SAMPLES / "001_f1774d47c25524a3.txt", dumps / outlet / "story.txt")
    report = ingest_dumps(paths=[str(dumps)], db=db)
    assert (report.docs_seen, report.docs_new, report.articles_loaded) == (2, 1, 1)
    con = duckdb.connect(db, read_only=True)
    sightings = con.execute("SELECT outlet FROM sightings ORDER BY outlet").fetchall()
    assert sightings == [("Outlet A",), ("Outlet B",)]
    [(n_articles, n_outlets, outlets)] = con.execute("SELECT n_articles, n_outlets, outlets FROM stories").fetchall()
    assert (n_articles, n_outlets, outlets) == (1, 2, ["Outlet A", "Outlet B"])
    con.close()
    again = ingest_dumps(paths=[str(dumps)], db=db)
    assert again.docs_new == 0 and count_rows(db)["documents"] == 1


def _contents(db: str) -> dict[str, list[tuple[object, ...]]]:
    queries = {
        "documents": "SELECT doc_id, status, reject_reason, outlet FROM documents ORDER BY doc_id",
        "articles": "SELECT article_id, title, body_sha256 FROM articles ORDER BY article_id",
        "stories": "SELECT article_id, story_id, relation FROM story_members ORDER BY article_id",
        "sightings": "SELECT doc_id, source_uri FROM sightings ORDER BY ALL",
    }
    con = duckdb.connect(db, read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        con.close()


@pytest.mark.parametrize("runner", ["process", "dask"])
def test_every_task_runner_loads_the_same_warehouse(
    runner: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, batch = [str(SAMPLES), str(FIXTURES / "inputs")], BatchOptions(batch_size=3)
    ingest_dumps(paths=paths, db=str(tmp_path / "thread.duckdb"), batch=batch)
    monkeypatch.setenv("KHABAR_TASK_RUNNER", runner)
    monkeypatch.setenv("KHABAR_WORKERS", "2")
    flow = ingest_dumps.with_options(task_runner=task_runner())
    report = flow(paths=paths, db=str(tmp_path / f"{runner}.duckdb"), batch=batch)
    assert report.docs_seen == 23 and report.articles_loaded == 14
    assert _contents(str(tmp_path / f"{runner}.duckdb")) == _contents(str(tmp_path / "thread.duckdb"))


@task
def _niceness() -> int:
    return os.nice(0)


def test_process_workers_yield_the_cpu_to_the_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch workers run at a lower priority than the flow's process, whose writer is a run's limit."""
    monkeypatch.setenv("KHABAR_TASK_RUNNER", "process")
    monkeypatch.setenv("KHABAR_WORKERS", "1")

    @flow(task_runner=task_runner())
    def niceness_of_a_worker() -> int:
        return _niceness.submit().result()

    assert niceness_of_a_worker() == min(os.nice(0) + WORKER_NICENESS, 19)


def test_process_workers_exit_once_parsing_is_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's workers are gone while the writer still loads: an idle worker holds hundreds of MiB."""
    monkeypatch.setenv("KHABAR_TASK_RUNNER", "process")
    monkeypatch.setenv("KHABAR_WORKERS", "2")

    def workers() -> int:
        alive = 0
        for child in psutil.Process().children():
            with contextlib.suppress(psutil.Error):  # gone, or a zombie not yet reaped: not a worker any more
                alive += child.status() != psutil.STATUS_ZOMBIE and "spawn_main" in " ".join(child.cmdline())
        return alive

    seen: list[int] = []
    last: list[bool] = []
    assign, chunked = load.assign_stories, load.chunked

    def first_staged(batches: Any) -> Any:
        for number, staged in enumerate(batches):
            if not number:  # the first batch staged: most are still to parse
                seen.append(workers())
            yield staged

    def marking(batches: Any, chunk_docs: int) -> Any:
        for chunk, is_last in chunked(first_staged(batches), chunk_docs):  # the last is cut once all are staged
            last.append(is_last)
            yield chunk, is_last

    def counting(*args: Any, **kwargs: Any) -> None:
        deadline = time.monotonic() + (30 if last[-1] else 0)
        seen.append(workers())
        while seen[-1] and time.monotonic() < deadline:
            time.sleep(0.2)
            seen.append(workers())
        assign(*args, **kwargs)

    monkeypatch.setattr(load, "chunked", marking)
    monkeypatch.setattr(load, "assign_stories", counting)
    flow = ingest_dumps.with_options(task_runner=task_runner())
    report = flow(
        paths=[str(FIXTURES / "golden")], db=str(tmp_path / "w.duckdb"), batch=BatchOptions(batch_size=1, load_chunk=8)
    )
    assert report.chunks == len(last) >= 4 and last[-1]
    assert seen[0] >= 1 and seen[-1] == 0  # workers while batches were parsed, none in the last chunk


def test_export_parquet_writes_every_table_readably(db: str, tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    from prefect.exceptions import ParameterTypeError

    from khabar.flows.export import export_parquet

    ingest_dumps(paths=[str(SAMPLES), str(FIXTURES / "inputs")], db=db)
    out = tmp_path / "export"
    total = export_parquet(out_dir=str(out), db=db)
    con = duckdb.connect(db, read_only=True)
    for table in ("documents", "articles", "removed_blocks", "story_members", "sightings", "runs", "stories"):
        exported = pq.read_table(out / f"{table}.parquet")
        assert exported.num_rows == con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] > 0, table
    assert pq.read_table(out / "stories.parquet").column("outlets").type.value_type.equals("string")
    con.close()
    assert total == sum(pq.read_metadata(path).num_rows for path in out.glob("*.parquet"))
    assert not list(out.glob(".*"))  # no partial files left behind
    with pytest.raises(ParameterTypeError):
        export_parquet(out_dir=str(out), db=db, tables=["secrets"])


@task
def _echo(x: int) -> int:
    return x


@flow(task_runner=ThreadPoolTaskRunner(max_workers=2))
def _paced(n: int, ahead: int) -> tuple[list[int], list[int], int]:
    """Take `n` futures from SubmittedAhead slowly; with each in hand, how many others were submitted and not taken."""
    submitted: list[int] = []
    futures: list[Any] = []

    def submit(i: int) -> Any:
        submitted.append(i)
        return _echo.submit(i)

    taken: list[int] = []
    untaken: list[int] = []
    for future in SubmittedAhead(submit, range(n), ahead, futures):
        in_hand = len(taken) + 1
        deadline = time.monotonic() + 10
        while len(submitted) - in_hand < min(ahead, n - in_hand) and time.monotonic() < deadline:
            time.sleep(0.01)  # the window fills
        time.sleep(0.05)  # and has time to overfill, were it not bounded
        untaken.append(len(submitted) - in_hand)
        taken.append(future.result())
    return taken, untaken, len(futures)


@pytest.mark.usefixtures("prefect_api")
def test_batches_are_submitted_as_the_writer_takes_them_a_few_ahead() -> None:
    """A backfill's batches are not submitted all at once (each call pickled for the pool, held to the end): at
    most `ahead` wait untaken, and all of them come, in order."""
    taken, untaken, submitted = _paced(12, 3)
    assert taken == list(range(12)) and submitted == 12
    assert untaken == [3] * 9 + [2, 1, 0]


@pytest.mark.usefixtures("prefect_api")
def test_a_failed_load_cancels_the_batches_not_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rest of a backfill is not parsed for nothing before the failure is reported."""
    from khabar.text import parse

    monkeypatch.setenv("KHABAR_WORKERS", "1")
    parsed: list[int] = []
    parse_batch = parse.parse_batch

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.2)  # the writer fails long before one worker could parse every batch
        parsed.append(1)
        return parse_batch(*args, **kwargs)

    def failing(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(parse, "parse_batch", slow)
    monkeypatch.setattr(load, "assign_stories", failing)
    flow = ingest_dumps.with_options(task_runner=task_runner())
    with pytest.raises(RuntimeError, match="the disk is on fire"):
        flow(
            paths=[str(FIXTURES / "golden")],
            db=str(tmp_path / "w.duckdb"),
            batch=BatchOptions(batch_size=1, load_chunk=4),
        )
    inputs = len([p for p in (FIXTURES / "golden").iterdir() if not p.name.startswith(".")])
    assert 4 <= len(parsed) < inputs // 2


def test_the_discovered_inputs_are_linked_to_their_task_run_as_one_object(tmp_path: Path) -> None:
    # Prefect keeps a flow-run entry for each element of a list a task returns (dependency tracking)
    (tmp_path / "Outlet").mkdir()
    for i in range(50):
        (tmp_path / "Outlet" / f"{i}.txt").write_text("खबर")

    @flow
    def discover_only() -> tuple[int, int]:
        context = FlowRunContext.get()
        assert context is not None
        before = len(context.run_results)
        found = discover_inputs([str(tmp_path)])
        return len(found.refs), len(context.run_results) - before

    refs, linked = discover_only()
    assert refs == 50 and linked <= 2  # the Discovered and its tuple
