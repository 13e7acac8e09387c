"""A long run commits in chunks (KHABAR_LOAD_CHUNK): the warehouse it leaves is the one a single transaction
leaves, and a kill between chunks leaves the chunks before it whole, the run `partial`, and the next run
completing the work without loading anything twice. Work per article stays bounded: it is compared with the
earlier articles sharing most with it."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from bench.generate import generate
from khabar.config import DedupSettings
from khabar.flows.ingest import ingest_dumps
from khabar.flows.params import BatchOptions
from khabar.grouping.windows import PARAGRAPH_BAND
from khabar.inputs.discover import discover, read_inputs
from khabar.records import Outcome, RawDoc, Sighting
from khabar.text import parse as text_parse
from khabar.text.parse import parse_batch
from khabar.warehouse import load, stories
from khabar.warehouse.db import WarehouseBusy
from khabar.warehouse.staging import StagedBatch, stage_parsed
from tests import lake
from tests.conftest import khabar_cli

# Runs the real CLI, but SIGKILLs the process as soon as its first chunk has committed.
KILL_AFTER_FIRST_CHUNK = """
import os, signal, sys
from khabar.warehouse import load
chunk = load._load
def chunk_then_die(*args, **kwargs):
    report = chunk(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
load._load = chunk_then_die
if __name__ == "__main__":  # the process pool's workers import this script too
    from khabar.cli import main
    sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("chunks") / "generated"
    generate(240, out, seed=5)  # copies of a story spread over outlets, so over chunks
    settled = time.time() - 60  # older than a run's guard for files still being written: remembered alike
    for path in out.rglob("*"):
        os.utime(path, (settled, settled))
    return out


def partition(db: str) -> set[frozenset[str]]:
    con = duckdb.connect(db, read_only=True)
    try:
        rows = con.execute("SELECT list(article_id) FROM story_members GROUP BY story_id").fetchall()
    finally:
        con.close()
    return {frozenset(members) for (members,) in rows}


def test_chunks_leave_the_warehouse_one_transaction_leaves(
    prefect_api: str, generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Templates off: each chunk learns from its own articles and strips them before the next chunk compares, as
    # runs one after the other do (docs/operations-production.md); everything else is the same.
    monkeypatch.setenv("KHABAR_TEMPLATE_MIN_STORIES", "0")
    whole, chunked = str(tmp_path / "whole.duckdb"), str(tmp_path / "chunked.duckdb")
    one = ingest_dumps(paths=[str(generated)], db=whole, batch=BatchOptions(batch_size=25))
    many = ingest_dumps(paths=[str(generated)], db=chunked, batch=BatchOptions(batch_size=25, load_chunk=50))
    assert (one.chunks, many.chunks) == (1, 5)
    assert len(partition(whole)) < one.articles_loaded  # stories of several copies, some across chunks
    expected, found = lake.snapshot(whole), lake.snapshot(chunked)
    for table in expected:
        assert found[table] == expected[table], table
    assert many.story_change() == one.story_change()


def test_a_chunk_commits_while_later_batches_are_still_parsing(
    prefect_api: str, generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    last = max(str(path) for path in generated.rglob("*.txt"))
    committed, waited = threading.Event(), []
    parse, load_chunk = text_parse.parse_batch, load._load  # the ingest task imports parse_batch when it runs

    def parse_last_after_a_commit(raws: list[RawDoc], *args: Any) -> list[Outcome]:
        if any(raw.ref.path == last for raw in raws):  # the run's last batch waits for its first commit
            waited.append(committed.wait(timeout=30))
        return parse(raws, *args)

    def load_then_tell(*args: Any, **kwargs: Any) -> load.LoadReport:
        report = load_chunk(*args, **kwargs)
        committed.set()
        return report

    monkeypatch.setattr(text_parse, "parse_batch", parse_last_after_a_commit)
    monkeypatch.setattr(load, "_load", load_then_tell)
    report = ingest_dumps(
        paths=[str(generated)], db=str(tmp_path / "w.duckdb"), batch=BatchOptions(batch_size=25, load_chunk=50)
    )
    assert waited == [True] and report.chunks == 5 and report.docs_seen == 240


def test_kill_between_chunks_keeps_the_chunks_before_and_the_next_run_completes(
    prefect_api: str, generated: Path, tmp_path: Path
) -> None:
    straight, killed = str(tmp_path / "straight.duckdb"), str(tmp_path / "killed.duckdb")
    # the default task runner (processes), loading chunks while later batches parse
    staging = tmp_path / "staging"
    staging.mkdir()
    env = {
        "KHABAR_LOAD_CHUNK": "60",
        "KHABAR_TEMPLATE_MIN_STORIES": "0",
        "KHABAR_TASK_RUNNER": "process",
        "KHABAR_STAGING_DIR": str(staging),
    }
    args = ["ingest", str(generated), "--batch-size", "30"]
    done = khabar_cli([*args, "--db", straight], prefect_api, env=env)
    assert done.returncode == 0, done.stderr
    assert "4 chunks, each complete" in done.stdout

    script = tmp_path / "die.py"
    script.write_text(KILL_AFTER_FIRST_CHUNK)
    # returns only once no process holds its output: the pool's workers exit with the killed run
    died = khabar_cli([*args, "--db", killed], prefect_api, env=env, script_path=str(script))
    assert died.returncode == -signal.SIGKILL
    left = [folder.name for folder in staging.iterdir()]  # the killed run's staging: its batches not yet loaded
    assert len(left) == 1 and any((staging / left[0]).iterdir())
    con = duckdb.connect(killed, read_only=True)
    try:
        assert con.execute("SELECT status, docs_seen FROM runs").fetchall() == [("partial", 60)]
        first_chunk = con.execute("SELECT count(*) FROM documents").fetchall()[0][0]
        assert 0 < first_chunk <= 60 and con.execute("SELECT docs_new FROM runs").fetchall() == [(first_chunk,)]
        # the chunk is whole: every article has its story, its shingles and its search row
        for table in ("story_members", "article_shingles", "article_search"):
            missing = f"SELECT count(*) FROM articles ANTI JOIN {table} USING (article_id)"
            assert con.execute(missing).fetchall() == [(0,)], table
    finally:
        con.close()

    again = khabar_cli([*args, "--db", killed], prefect_api, env=env)
    assert again.returncode == 0, again.stderr
    assert not any(staging.iterdir())  # the next run removed it, and its own at its end
    whole = duckdb.connect(straight, read_only=True)
    con = duckdb.connect(killed, read_only=True)
    try:
        total = whole.execute("SELECT docs_new FROM runs").fetchall()[0][0]
        # the killed run's chunk is not read again, and nothing is loaded twice
        assert f"new               {total - first_chunk}" in again.stdout
        assert sorted(con.execute("SELECT status FROM runs").fetchall()) == [("completed",), ("partial",)]
        for table, key in (("documents", "doc_id"), ("articles", "article_id"), ("story_members", "article_id")):
            rows = whole.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            assert con.execute(f"SELECT count(*), count(DISTINCT {key}) FROM {table}").fetchall() == [(rows, rows)]
    finally:
        con.close()
        whole.close()
    assert partition(killed) == partition(straight)


def test_an_article_is_compared_with_the_earlier_articles_sharing_most(
    prefect_api: str, generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "w.duckdb")
    ingest_dumps(paths=[str(generated)], db=db)
    con = duckdb.connect(db, read_only=True)
    try:
        run_id, loaded_at = con.execute("SELECT any_value(run_id), any_value(ingested_at) FROM articles").fetchall()[0]
        uncapped = stories._candidates(con, run_id, loaded_at, None, DedupSettings())
        monkeypatch.setattr(stories, "MAX_CANDIDATES", 2)
        capped = stories._candidates(con, run_id, loaded_at, None, DedupSettings())
        seen = dict(con.execute("SELECT article_id, source_uri FROM articles").fetchall())
        shared = dict(
            ((a, b), n)
            for a, b, n in con.execute(
                "SELECT x.article_id, y.article_id, count(*) FROM lsh_bands x JOIN lsh_bands y USING (band, bucket) "
                "WHERE x.band <> ? GROUP BY ALL",
                [PARAGRAPH_BAND],
            ).fetchall()
        )
    finally:
        con.close()
    assert max(len(others) for others in uncapped.values()) > 2  # the cap bites on this set
    for article, others in uncapped.items():
        assert all(seen[other] < seen[article] for other in others)  # earlier ones only: one run, one fetched_at
        kept = capped.get(article, [])
        assert len(kept) == min(2, len(others)) and set(kept) <= set(others)
        most = sorted((shared.get((article, o), 0) for o in others), reverse=True)[: len(kept)]
        assert sorted((shared.get((article, o), 0) for o in kept), reverse=True) == most


def test_slices_cut_between_articles_and_stay_under_the_bound() -> None:
    """Every row once, in order; a cut only where the article changes; each part's matches within the bound unless
    they are one article's alone; and no part could have taken the next article too."""
    rng = random.Random(5)
    ids, printed = [], []
    for article in range(300):
        for _ in range(rng.randrange(1, 6)):
            ids.append(f"{article:04d}")
            printed.append(rng.choice([0, 1, 5, 40, 400]))
    wanted = pa.table({"article_id": ids, "printed": pa.array(printed, pa.int64())})
    for bound in (1, 50, 700, 5_000, 10**9):
        parts = stories._slices(wanted, bound)
        assert pa.concat_tables(parts).equals(wanted)
        for part, after in zip(parts, [*parts[1:], None], strict=True):
            own, counts = part["article_id"].to_pylist(), part["printed"].to_pylist()
            matches = sum(counts)
            assert matches <= bound or len({i for i, n in zip(own, counts, strict=True) if n}) == 1
            if after is not None:
                first = after["article_id"][0].as_py()
                assert first != own[-1]  # cut between articles
                nxt = sum(n for i, n in zip(ids, printed, strict=True) if i == first)
                assert matches + nxt > bound
    assert len(stories._slices(wanted, 10**9)) == 1 and stories._slices(wanted.slice(0, 0), 1) == []


def test_candidates_taken_in_slices_of_new_articles_are_those_taken_at_once(
    prefect_api: str, generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "w.duckdb")
    ingest_dumps(paths=[str(generated)], db=db)
    parts: list[int] = []
    cut = stories._slices
    monkeypatch.setattr(
        stories, "_slices", lambda wanted, bound: parts.append(len(found := cut(wanted, bound))) or found
    )
    con = duckdb.connect(db, read_only=True)
    try:
        run_id, loaded_at = con.execute("SELECT any_value(run_id), any_value(ingested_at) FROM articles").fetchall()[0]
        at_once = stories._candidates(con, run_id, loaded_at, None, DedupSettings())
        monkeypatch.setattr(stories, "BUCKET_MATCHES_AT_ONCE", 1)  # each new article a slice of its own
        sliced = stories._candidates(con, run_id, loaded_at, None, DedupSettings())
        articles = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    finally:
        con.close()
    assert parts[0] == 1 and parts[1] == articles  # every article has bands
    assert len(at_once) > 50 and {a: set(o) for a, o in sliced.items()} == {a: set(o) for a, o in at_once.items()}


def test_stored_articles_seen_before_the_candidate_window_are_not_compared(
    prefect_api: str, generated: Path, tmp_path: Path
) -> None:
    """KHABAR_DEDUP_WINDOW_DAYS: a third of the articles made an earlier run's, seen 30 days back, and a third one's
    seen 2 days back; with a window of 7 days the rest (the chunk) are compared with the second third only."""
    db = str(tmp_path / "w.duckdb")
    ingest_dumps(paths=[str(generated)], db=db)
    con = duckdb.connect(db)
    try:
        run_id, loaded_at = con.execute("SELECT any_value(run_id), any_value(ingested_at) FROM articles").fetchall()[0]
        for third, days in ((0, 30), (1, 2)):
            con.execute(
                "UPDATE articles SET run_id = ?, ingested_at = ingested_at - to_days(?), fetched_at = fetched_at - "
                "to_days(?) WHERE hash(article_id) % 3 = ?",
                [f"earlier-{days}", days, days, third],
            )
        of = dict(con.execute("SELECT article_id, run_id FROM articles").fetchall())
        windowed = stories._candidates(con, run_id, loaded_at, 7, DedupSettings())
        unlimited = stories._candidates(con, run_id, loaded_at, None, DedupSettings())
    finally:
        con.close()
    for found in (windowed, unlimited):
        assert found and all(of[article] == run_id for article in found)
    compared = {of[other] for others in windowed.values() for other in others}
    assert "earlier-30" not in compared and {"earlier-2", run_id} <= compared
    assert "earlier-30" in {of[other] for others in unlimited.values() for other in others}


def test_committed_chunks_leave_staging_and_a_retried_load_passes_over_them(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A load that fails in its third chunk (a DuckLake commit that kept conflicting) is retried by Prefect with
    # the same batches: the two chunks it committed, whose staged files are gone, are passed over.
    refs = discover([str(generated)])
    staging = tmp_path / "staging"
    batches = []
    for i in range(0, len(refs), 25):
        docs = read_inputs(refs[i : i + 25], 10**6, datetime.now(UTC))
        seen = [Sighting(doc.doc_id, doc.ref.source_uri, doc.ref.outlet_hint, doc.fetched_at) for doc in docs]
        batches.append(stage_parsed(parse_batch(docs), seen, str(staging), DedupSettings()))
    run = load.RunRecord("retried", None, "test", datetime.now(UTC), {})
    db, real = str(tmp_path / "w.duckdb"), load._load
    staged_at_each_chunk: list[list[bool]] = []

    def third_fails(con: Any, chunk: list[StagedBatch], *args: Any) -> load.LoadReport:
        staged_at_each_chunk.append([Path(batch.directory).exists() for batch in batches])
        if len(staged_at_each_chunk) == 3:
            raise WarehouseBusy("another writer committed first")
        return real(con, chunk, *args)

    monkeypatch.setattr(load, "_load", third_fails)
    with pytest.raises(WarehouseBusy):
        load.load_run(db, batches, run, chunk_docs=50)
    assert staged_at_each_chunk[1] == [False] * 2 + [True] * 8  # a chunk's two batches go once it commits
    assert staged_at_each_chunk[2] == [False] * 4 + [True] * 6
    monkeypatch.setattr(load, "_load", real)
    report = load.load_run(db, batches, run, chunk_docs=50)
    assert not any(Path(batch.directory).exists() for batch in batches)
    straight = str(tmp_path / "straight.duckdb")
    whole = ingest_dumps(paths=[str(generated)], db=straight, batch=BatchOptions(batch_size=25, load_chunk=50))
    assert (report.chunks, report.docs_seen, report.articles_loaded) == (5, 240, whole.articles_loaded)
    assert partition(db) == partition(straight)


def test_a_chunk_out_of_duckdbs_memory_is_loaded_again_with_more(
    prefect_api: str, generated: Path, tmp_path: Path
) -> None:
    # 16MiB and 32MiB run out in these chunks, 64MiB does not: the first chunk is loaded three times
    small = {"KHABAR_WRITER_MEMORY": "16MiB", "KHABAR_LOAD_CHUNK": "50", "KHABAR_BATCH_SIZE": "25"}
    db = str(tmp_path / "w.duckdb")
    result = khabar_cli(["ingest", str(generated), "--db", db, "-v"], prefect_api, env=small)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    raised = re.findall(r"ran out of DuckDB's memory .*?; loading it again with ([0-9,]+) MiB", output)
    assert raised == ["32", "64"]
    straight = str(tmp_path / "straight.duckdb")
    ingest_dumps(paths=[str(generated)], db=straight, batch=BatchOptions(batch_size=25, load_chunk=50))
    expected, found = lake.snapshot(straight), lake.snapshot(db)
    for table in expected:
        assert found[table] == expected[table], table
    too_small = khabar_cli(
        ["ingest", str(generated), "--db", str(tmp_path / "x.duckdb")],
        prefect_api,
        env=small | {"KHABAR_WRITER_MEMORY": "4MiB"},
    )
    assert too_small.returncode != 0 and "Out of Memory" in too_small.stdout + too_small.stderr


@pytest.mark.parametrize(("arrow_setting", "pool"), [(None, "system"), ("mimalloc", "mimalloc")])
def test_a_batch_task_takes_arrows_buffers_from_malloc_unless_arrow_is_told_otherwise(
    arrow_setting: str | None, pool: str
) -> None:
    # a process that runs batch tasks imports their module: what it sets holds in the run's workers
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    env |= {"ARROW_DEFAULT_MEMORY_POOL": arrow_setting} if arrow_setting else {}
    code = "import khabar.tasks.ingest, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    found = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == pool
