"""Prefect tasks: thin wrappers that run the pure steps over a batch of documents."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from khabar.records import FetchRecord, InputRef, Outcome, RawDoc, Sighting
from khabar.tasks import discover as discovery
from khabar.tasks.dedup import DedupSettings
from khabar.tasks.parse import ParseSettings, parse_batch
from khabar.tasks.stage import StagedBatch, stage
from khabar.warehouse import load, query

# Batches are large and never worth caching: hashing their inputs for a cache key costs seconds.


@task(name="discover-inputs", cache_policy=NO_CACHE, persist_result=False)
def discover_inputs(paths: list[str]) -> list[InputRef]:
    refs = discovery.discover(paths)
    get_run_logger().info("found %d input files under %s", len(refs), ", ".join(paths))
    return refs


@task(name="read-new-inputs", cache_policy=NO_CACHE, persist_result=False)
def read_new_inputs(refs: list[InputRef], db: str, max_bytes: int) -> tuple[list[RawDoc], list[Sighting]]:
    """Read a batch of files: the documents the warehouse has not seen, and where every document was seen."""
    docs = discovery.read_inputs(refs, max_bytes)
    known = query.known_doc_ids(db, [doc.doc_id for doc in docs])
    sightings = [Sighting(doc.doc_id, doc.ref.source_uri, doc.ref.outlet_hint, doc.fetched_at) for doc in docs]
    return [doc for doc in docs if doc.doc_id not in known], sightings


@task(name="parse-documents", cache_policy=NO_CACHE, persist_result=False)
def parse_documents(docs: list[RawDoc], min_body_words: int, dedup: DedupSettings) -> list[Outcome]:
    """Decode, clean, take metadata and fingerprint each document of a batch."""
    return parse_batch(docs, ParseSettings(min_body_words=min_body_words, dedup=dedup))


@task(name="stage-batch", cache_policy=NO_CACHE, persist_result=False)
def stage_batch(
    outcomes: list[Outcome], sightings: list[Sighting], staging_dir: str, fetches: list[FetchRecord] | None = None
) -> StagedBatch:
    return stage(outcomes, sightings, staging_dir, fetches or ())


@task(name="load-warehouse", cache_policy=NO_CACHE, persist_result=False)
def load_warehouse(
    db: str, batches: list[StagedBatch], run: load.RunRecord, dedup: DedupSettings, window_days: int | None
) -> load.LoadReport:
    """The only task that writes to DuckDB: one transaction for the whole run."""
    logger = get_run_logger()
    return load.load_run(db, batches, run, log=logger.info, dedup=dedup, window_days=window_days)
