"""The one writer: a run's staged batches, its stories and its `runs` row, one transaction per chunk."""

from __future__ import annotations

import itertools
import json
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from khabar import config
from khabar.config import DedupSettings
from khabar.grouping.windows import Compact
from khabar.warehouse.db import is_lake, retry_conflicts, set_memory_limit, writer
from khabar.warehouse.search import INDEX_SCHEMA, index_search
from khabar.warehouse.shingle_store import KeptWindows, staged_windows
from khabar.warehouse.staging import (
    ARTICLE_SEARCH,
    ARTICLE_SHINGLES,
    ARTICLES,
    DOCUMENTS,
    FETCHES,
    INPUT_FILES,
    LSH_BANDS,
    REMOVED_BLOCKS,
    SIGHTINGS,
    ZONE_UNITS,
    StagedBatch,
    release_freed_memory,
)
from khabar.warehouse.stories import assign_stories
from khabar.warehouse.templates import learn_templates


@dataclass(frozen=True)
class TemplateSettings:
    min_stories: int = config.DEFAULT_TEMPLATE_MIN_STORIES  # 0: templates are not learned
    min_body_words: int = 20  # a body is left whole when stripping would leave fewer words


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    flow_run_id: str | None
    flow_name: str
    started_at: datetime
    params: dict[str, Any]
    flow_run_name: str | None = None  # Prefect's name of the flow run, shown to runs waiting for the warehouse

    @property
    def holder(self) -> str:
        """Who holds the warehouse while this run writes, as waiting runs and readers are told."""
        name = f"run {self.run_id} of {self.flow_name}"
        if self.flow_run_id:
            name += f", Prefect flow run {self.flow_run_name or ''} {self.flow_run_id}".replace("  ", " ")
        return name


@dataclass(frozen=True)
class NewStory:
    story_id: str
    title: str | None
    agency: str | None
    n_articles: int
    outlets: tuple[str, ...]


NEW_STORIES_LISTED = 500  # a run's report lists at most this many of the stories it started


@dataclass(frozen=True)
class LoadReport:
    docs_seen: int
    docs_new: int
    docs_rejected: int
    rejects: dict[str, int] = field(default_factory=dict)
    articles_loaded: int = 0
    stories_new: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0
    stories_total: int = 0
    new_stories: tuple[NewStory, ...] = ()  # the largest first, at most NEW_STORIES_LISTED
    stories_before: int = 0  # stories in the warehouse before the run
    stories_merged: int = 0  # stories stored before the run that merged into others (bridged by a new copy)
    stories_linked: int = 0  # follow-up links this run recorded between stories
    chunks: int = 1  # transactions the run committed in (KHABAR_LOAD_CHUNK)
    files_unchanged: int = 0  # input files unchanged since a run read them, not read again; docs_seen counts theirs

    def story_change(self) -> str:
        """ "2,540 → 2,519 stories: 1 new, 22 merged, 3 linked as follow-ups"."""
        parts = [f"{self.stories_new:,} new", f"{self.stories_merged:,} merged"]
        if self.stories_linked:
            parts.append(f"{self.stories_linked:,} linked as follow-ups")
        return f"{self.stories_before:,} → {self.stories_total:,} stories: " + ", ".join(parts)


def load_run(
    db_path: str | Path,
    batches: Iterable[StagedBatch],
    run: RunRecord,
    log: Callable[[str], None] = lambda _: None,
    dedup: DedupSettings = DedupSettings(),
    window_days: int | None = None,
    templates: TemplateSettings = TemplateSettings(),
    chunk_docs: int = config.DEFAULT_LOAD_CHUNK,
    files_unchanged: tuple[int, int] = (0, 0),
) -> LoadReport:
    """Insert everything staged for `run` in chunks of about `chunk_docs` documents, each in one transaction:
    a failure or a kill leaves the chunk under way out, and the chunks before it in, with the run `partial` in
    `runs` until its last chunk commits. `batches` are taken as they come, in order: a chunk loads while later
    batches are still being parsed. On a DuckLake, a chunk whose commit conflicts with another writer's is done
    again on top of it. `files_unchanged`: the input files the run did not read again, and their documents
    (counted as seen)."""
    lake = is_lake(db_path)
    chunks = chunked(batches, chunk_docs)
    first = next(chunks)  # the writer is taken once there is a chunk to write
    seen = files_unchanged[1]  # documents of the files not read again
    cache = None if lake else KeptWindows()  # a lake's other writers may commit between this run's chunks
    memory = config.writer_memory()
    most = memory * config.WRITER_MEMORY_GROWTH
    with writer(db_path, run.holder, log) as con:
        before = con.execute("SELECT count(DISTINCT story_id) FROM story_members").fetchall()[0][0]
        for number, (chunk, last) in enumerate(itertools.chain([first], chunks), start=1):
            seen += sum(batch.seen for batch in chunk)
            step = Chunk(number, seen, before, "completed" if last else "partial", files_unchanged[0])
            load_chunk = partial(_load, con, chunk, run, log, dedup, window_days, templates, step, lake, cache)
            report, memory = _within_memory(con, partial(retry_conflicts, load_chunk, db_path, log), memory, most, log)
            for batch in chunk:  # in the warehouse now: a long run's staging holds only the chunks to come
                shutil.rmtree(batch.directory, ignore_errors=True)
            release_freed_memory()
            if not last:
                log(f"chunk {number} committed ({seen:,} documents); the run stays partial until the last")
    return report


def _within_memory(
    con: duckdb.DuckDBPyConnection,
    load_chunk: Callable[[], LoadReport],
    memory: int,
    most: int,
    log: Callable[[str], None],
) -> tuple[LoadReport, int]:
    """The chunk loaded; one that runs out of DuckDB's memory (rolled back whole) is loaded again with twice the
    limit, kept for the rest of the run, up to `most` (WRITER_MEMORY_GROWTH times KHABAR_WRITER_MEMORY)."""
    while True:
        try:
            return load_chunk(), memory
        except duckdb.OutOfMemoryException as error:
            if memory * 2 > most:
                raise
            memory *= 2
            said = str(error).splitlines()[0]
            log(f"the chunk ran out of DuckDB's memory ({said}); loading it again with {memory / 2**20:,.0f} MiB")
            set_memory_limit(con, memory)


@dataclass(frozen=True)
class Chunk:
    number: int  # from 1; the last chunk's number is the run's count of chunks
    seen: int  # documents the run has seen up to this chunk's end
    stories_before: int  # stories in the warehouse before the run's first chunk
    status: str  # the run's status once this chunk commits
    files_unchanged: int = 0  # input files the run did not read again


def chunked(batches: Iterable[StagedBatch], chunk_docs: int) -> Iterator[tuple[list[StagedBatch], bool]]:
    """Consecutive batches, cut once a chunk holds `chunk_docs` documents, each with whether it is the last
    (known from the batch after it); at least one chunk, empty or not."""
    chunk: list[StagedBatch] = []
    held = 0  # documents in the chunk
    for batch in batches:
        if chunk and held + batch.documents > chunk_docs:
            yield chunk, False
            chunk, held = [], 0
        chunk.append(batch)
        held += batch.documents
    yield chunk, True


def _load(
    con: duckdb.DuckDBPyConnection,
    batches: Sequence[StagedBatch],
    run: RunRecord,
    log: Callable[[str], None],
    dedup: DedupSettings,
    window_days: int | None,
    templates: TemplateSettings,
    chunk: Chunk,
    lake: bool = False,
    cache: KeptWindows | None = None,
) -> LoadReport:
    began = time.perf_counter()
    try:
        con.execute("BEGIN TRANSACTION")
        loaded_at = datetime.now(UTC)  # the chunk's mark: its articles' ingested_at, its members' joined_at
        # every load changes this row: two loads at once on a DuckLake conflict, and the later one is retried
        con.execute("UPDATE writer_turn SET holder = ?, taken_at = ?", [run.run_id, loaded_at])
        of = f" of chunk {chunk.number}" if chunk.number > 1 or chunk.status == "partial" else ""
        staged: dict[str, Compact] = {}  # the compact shingles of the batches inserted
        for number, batch in enumerate(batches, start=1):
            staged = _insert_batch(con, batch, run.run_id, loaded_at) | staged  # an article twice: the first is stored
            log(f"loaded batch {number}/{len(batches)}{of}: {batch.documents} documents")
        started = time.perf_counter()
        assign_stories(con, run.run_id, loaded_at, dedup, window_days, cache, staged)
        if cache is not None:
            cache.trim()
        log(f"stories assigned in {time.perf_counter() - started:.2f} s")
        if templates.min_stories and any(batch.documents for batch in batches):  # else no unit's count changes
            started = time.perf_counter()
            stripped = learn_templates(
                con, run.run_id, loaded_at, templates.min_stories, templates.min_body_words, dedup, cache
            )
            log(f"outlet templates: {stripped} articles stripped in {time.perf_counter() - started:.2f} s")
        report = replace(
            _report(con, run.run_id, chunk.seen, chunk.stories_before, list_new=chunk.status == "completed"),
            chunks=chunk.number,
            files_unchanged=chunk.files_unchanged,
        )
        if report.articles_loaded or not _search_index_current(con):  # builds it, or adds what it lacks
            index_search(con, log, lake)
        _write_run(con, run, report, chunk.status, None)
        started = time.perf_counter()
        con.execute("COMMIT")
        committed = time.perf_counter()
        if not lake:  # the chunk into the file now: after a kill, a WAL of it is one read-only opens fail to replay
            con.execute("CHECKPOINT")
        done = time.perf_counter()
        log(
            f"committed in {committed - started:.2f} s, checkpoint {done - committed:.2f} s; "
            f"the chunk written in {done - began:.2f} s"
        )
        return report
    except BaseException as error:
        if cache is not None:  # it may hold what the rollback undoes
            cache.clear()
        _rollback(con, error, log)
        raise


def _rollback(con: duckdb.DuckDBPyConnection, error: BaseException, log: Callable[[str], None]) -> None:
    """Undo the run's transaction, if there still is one: a COMMIT that failed (a full disk) has already ended
    it, and DuckDB then refuses the ROLLBACK. The original error is the one that must reach the user."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error as failed:
        log(f"no rollback needed after {type(error).__name__}: {failed}")


def record_failed_run(db_path: str | Path, run: RunRecord, error: BaseException) -> None:
    """Note a run that did not complete, in a transaction of its own."""
    with writer(db_path, f"failed {run.holder}") as con:
        retry_conflicts(
            lambda: _write_run(con, run, None, "failed", f"{type(error).__name__}: {error}"[:2000]), db_path
        )


_ARTICLE_PARTS = {  # the staged rows inserted with their new articles
    "lsh_bands": LSH_BANDS,
    "article_shingles": ARTICLE_SHINGLES,
    "zone_units": ZONE_UNITS,
    "removed_blocks": REMOVED_BLOCKS,
}


def _insert_batch(
    con: duckdb.DuckDBPyConnection, batch: StagedBatch, run_id: str, loaded_at: datetime
) -> dict[str, Compact]:
    """Insert the batch; returns its compact shingles (those of articles the warehouse already held were not
    inserted: the stories take only the chunk's new articles from it)."""
    if not Path(batch.directory).exists():  # committed by an earlier attempt of this load (a retry), then removed
        return {}
    if not batch.documents:  # nothing new (a re-run): only where the known documents were seen
        _insert_where_seen(con, batch, run_id)
        return {}
    # DuckDB reads the staged Parquet itself: Arrow tables registered and inserted from stay pinned until the
    # transaction ends (their strings, about 30 MiB a batch of 1,000, all the chunk long)
    # Keys stay unique by anti-joins, not by INSERT OR IGNORE: a DuckLake has no primary keys. A batch holds each
    # document once (the ingest task parses the same bytes once); a place seen twice keeps its first.
    con.execute(
        f"INSERT INTO documents ({_columns(DOCUMENTS)}, run_id) "
        f"SELECT {_columns(DOCUMENTS, 's')}, ? FROM read_parquet(?) s ANTI JOIN documents d USING (doc_id)",
        [run_id, batch.table("documents")],
    )
    # the batch's new articles found once: each anti-join reads every stored article's id
    con.execute(
        "CREATE OR REPLACE TEMP TABLE batch_new_articles AS "
        "SELECT s.article_id FROM read_parquet(?) s ANTI JOIN articles a USING (article_id)",
        [batch.table("articles")],
    )
    for table, schema in _ARTICLE_PARTS.items():
        con.execute(
            f"INSERT INTO {table} ({_columns(schema)}) SELECT {_columns(schema, 's')} FROM read_parquet(?) s "
            "SEMI JOIN batch_new_articles USING (article_id)",
            [batch.table(table)],
        )
    con.execute(
        f"INSERT INTO articles ({_columns(ARTICLES)}, ingested_at, run_id) "
        f"SELECT {_columns(ARTICLES, 's')}, ?, ? FROM read_parquet(?) s SEMI JOIN batch_new_articles USING (article_id)",
        [loaded_at, run_id, batch.table("articles")],
    )
    con.execute("DROP TABLE batch_new_articles")
    _insert_where_seen(con, batch, run_id)
    if Path(batch.table("article_search")).exists():  # else folded by index_search
        con.execute(
            f"INSERT INTO article_search ({_columns(ARTICLE_SEARCH)}) SELECT {_columns(ARTICLE_SEARCH, 's')} "
            "FROM read_parquet(?) s "
            "SEMI JOIN articles a USING (article_id) ANTI JOIN article_search x USING (article_id)",
            [batch.table("article_search")],
        )
    return staged_windows(pq.read_table(batch.table("article_shingles"), schema=ARTICLE_SHINGLES))


def _insert_where_seen(con: duckdb.DuckDBPyConnection, batch: StagedBatch, run_id: str) -> None:
    """Where the batch's documents were seen: places, input files as read, the fetch log."""
    con.execute(
        f"INSERT INTO sightings ({_columns(SIGHTINGS)}, run_id) SELECT {_columns(SIGHTINGS, 's')}, ? "
        "FROM read_parquet(?) s ANTI JOIN sightings k USING (doc_id, source_uri) "
        "QUALIFY row_number() OVER (PARTITION BY s.doc_id, s.source_uri ORDER BY s.seen_at) = 1",
        [run_id, batch.table("sightings")],
    )
    if Path(batch.table("input_files")).exists():
        con.execute(
            f"INSERT INTO input_files ({_columns(INPUT_FILES)}, run_id) SELECT {_columns(INPUT_FILES, 'f')}, ? "
            "FROM read_parquet(?) f ANTI JOIN input_files USING (source_uri, size, mtime_ns)",
            [run_id, batch.table("input_files")],
        )
    if Path(batch.table("fetches")).exists():
        con.execute(
            f"INSERT INTO fetches ({_columns(FETCHES)}, run_id) SELECT {_columns(FETCHES, 'f')}, ? FROM read_parquet(?) f",
            [run_id, batch.table("fetches")],
        )


def _search_index_current(con: duckdb.DuckDBPyConnection) -> bool:
    """The index exists and covers every article (a warehouse from before search has neither)."""
    if not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'stats'", [INDEX_SCHEMA]
    ).fetchall()[0][0]:
        return False
    indexed = con.execute(f"SELECT num_docs FROM {INDEX_SCHEMA}.stats").fetchall()[0][0]
    return bool(indexed == con.execute("SELECT count(*) FROM articles").fetchall()[0][0])


def _report(
    con: duckdb.DuckDBPyConnection, run_id: str, docs_seen: int, stories_before: int, list_new: bool = True
) -> LoadReport:
    """The run's counts so far; with `list_new` (its last chunk), the stories it started, which only the summary
    shows: the `stories` view they are read from costs a second at 100,000 articles."""
    docs_new, rejected = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'rejected') FROM documents WHERE run_id = ?", [run_id]
    ).fetchall()[0]
    rejects = dict(
        con.execute(
            "SELECT reject_reason, count(*) FROM documents WHERE run_id = ? AND status = 'rejected' "
            "GROUP BY 1 ORDER BY 2 DESC, 1",
            [run_id],
        ).fetchall()
    )
    articles = con.execute("SELECT count(*) FROM articles WHERE run_id = ?", [run_id]).fetchall()[0][0]
    exact, near = con.execute(
        "SELECT count(*) FILTER (WHERE relation = 'exact'), count(*) FILTER (WHERE relation = 'near') "
        "FROM story_members WHERE run_id = ?",
        [run_id],
    ).fetchall()[0]
    canonical = con.execute(  # stories this run started that still stand
        "SELECT count(DISTINCT m.story_id) FROM story_members m JOIN articles a ON a.article_id = m.story_id "
        "WHERE m.run_id = ? AND a.run_id = ?",
        [run_id, run_id],
    ).fetchall()[0][0]
    stories_total = con.execute("SELECT count(DISTINCT story_id) FROM story_members").fetchall()[0][0]
    new_stories = (
        con.execute(
            "SELECT s.story_id, s.title, s.agency, s.n_articles, s.outlets FROM stories s "
            "JOIN articles a ON a.article_id = s.story_id WHERE a.run_id = ? "
            "ORDER BY s.n_articles DESC, s.first_seen, s.story_id LIMIT ?",
            [run_id, NEW_STORIES_LISTED],
        ).fetchall()
        if list_new and canonical
        else []
    )
    listed = tuple(NewStory(sid, title, agency, n, tuple(outlets)) for sid, title, agency, n, outlets in new_stories)
    linked = con.execute("SELECT count(*) FROM story_links WHERE run_id = ?", [run_id]).fetchall()[0][0]
    merged = stories_before + canonical - stories_total  # stored stories that ceased: bridged into others
    return LoadReport(
        docs_seen, docs_new, rejected, rejects, articles, canonical, exact, near, stories_total, listed,
        stories_before, merged, linked,
    )  # fmt: skip


def _write_run(
    con: duckdb.DuckDBPyConnection, run: RunRecord, report: LoadReport | None, status: str, error: str | None
) -> None:
    counts = (
        [
            report.docs_seen,
            report.docs_new,
            report.docs_rejected,
            report.articles_loaded,
            report.near_duplicates,
            report.stories_new,
            report.files_unchanged,
        ]
        if report
        else [None] * 7
    )
    con.execute("DELETE FROM runs WHERE run_id = ?", [run.run_id])  # a run's row, replaced (no keys on DuckLake)
    con.execute(
        """
        INSERT INTO runs (run_id, flow_run_id, flow_name, started_at, finished_at, status, params,
            docs_seen, docs_new, docs_rejected, articles_loaded, near_duplicates, stories_new, files_unchanged, error)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            run.run_id,
            run.flow_run_id,
            run.flow_name,
            run.started_at,
            datetime.now(UTC),
            status,
            json.dumps(run.params, default=str),
            *counts,
            error,
        ],
    )


def _columns(schema: pa.Schema, alias: str | None = None) -> str:
    return ", ".join(f"{alias}.{name}" if alias else name for name in schema.names)
