"""Prefect tasks: thin wrappers that run the pure steps over a batch of documents."""

from __future__ import annotations

from prefect import get_run_logger, task

from khabar.records import InputRef, Outcome, RawDoc
from khabar.tasks import discover as discovery
from khabar.tasks.parse import ParseSettings, parse_document
from khabar.tasks.stage import StagedBatch, stage
from khabar.warehouse import load, query


@task(name="discover-inputs")
def discover_inputs(paths: list[str]) -> list[InputRef]:
    refs = discovery.discover(paths)
    get_run_logger().info("found %d input files under %s", len(refs), ", ".join(paths))
    return refs


@task(name="read-new-inputs")
def read_new_inputs(refs: list[InputRef], db: str, max_bytes: int) -> tuple[list[RawDoc], int]:
    """Read a batch of files; keep the documents the warehouse has not seen. Returns (new, seen)."""
    docs = discovery.read_inputs(refs, max_bytes)
    known = query.known_doc_ids(db, [doc.doc_id for doc in docs])
    new = [doc for doc in docs if doc.doc_id not in known]
    return new, len(docs)


@task(name="parse-documents")
def parse_documents(docs: list[RawDoc], min_body_words: int) -> list[Outcome]:
    """Decode, clean, take metadata and fingerprint each document of a batch."""
    settings = ParseSettings(min_body_words=min_body_words)
    return [parse_document(doc, settings) for doc in docs]


@task(name="stage-batch")
def stage_batch(outcomes: list[Outcome], staging_dir: str) -> StagedBatch:
    return stage(outcomes, staging_dir)


@task(name="load-warehouse")
def load_warehouse(db: str, batches: list[StagedBatch], run: load.RunRecord, docs_seen: int) -> load.LoadReport:
    """The only task that writes to DuckDB: one transaction for the whole run."""
    logger = get_run_logger()
    return load.load_run(db, batches, run, docs_seen, log=logger.info)
