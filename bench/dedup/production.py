"""khabar's story grouping as `khabar ingest` runs it, on bodies that are already clean.

The workers' staging (`stage_parsed`: compact shingles and LSH bands of each body) and the writer's load
with story assignment (`load_run`) into a real DuckDB file: the code of the ingest tasks after parsing.
Only decoding and cleaning are skipped, so the bodies given are the bodies grouped.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from khabar.config import DedupSettings
from khabar.records import Article, Outcome
from khabar.text.digest import body_sha256
from khabar.warehouse.load import LoadReport, RunRecord, load_run
from khabar.warehouse.staging import StagedBatch, stage_parsed

BATCH = 1000  # documents per staged batch, as `khabar ingest` stages them by default


def outcomes(
    items: Sequence[tuple[str, str]], tag: str = "bench", published: Mapping[str, datetime] | None = None
) -> list[Outcome]:
    """Parsed outcomes of (article_id, body) pairs, seen in the order given, published when `published` says."""
    now = datetime.now(UTC)
    made = []
    for number, (article_id, body) in enumerate(items):
        article = Article(
            article_id=article_id, title=None, lede=None, body=body, agency=None, author=None, dateline_place=None,
            dateline_date=None, published_at=(published or {}).get(article_id), language="hi", word_count=len(body.split()),
            body_sha256=body_sha256(body),
        )  # fmt: skip
        made.append(Outcome(article_id, f"bench://{tag}/{number:08d}", "bench", "text", now, len(body), article, None))
    return made


def stage_all(found: Sequence[Outcome], staging: Path, settings: DedupSettings = DedupSettings()) -> list[StagedBatch]:
    return [stage_parsed(list(found[i : i + BATCH]), [], str(staging), settings) for i in range(0, len(found), BATCH)]


def load(db: Path, staged: list[StagedBatch], settings: DedupSettings = DedupSettings()) -> LoadReport:
    run = RunRecord(hashlib.md5(str(datetime.now(UTC)).encode()).hexdigest(), None, "bench", datetime.now(UTC), {})
    return load_run(db, staged, run, dedup=settings)


def group_bodies(
    items: Sequence[tuple[str, str]],
    settings: DedupSettings = DedupSettings(),
    published: Mapping[str, datetime] | None = None,
) -> dict[str, str]:
    """article_id → story_id, as one `khabar ingest` run of these bodies (published when `published` says)
    into an empty warehouse groups them."""
    ids = {hashlib.sha256(article_id.encode()).hexdigest(): article_id for article_id, _ in items}
    keyed = [(hashlib.sha256(article_id.encode()).hexdigest(), body) for article_id, body in items]
    when = {key: published[ids[key]] for key in ids if published and ids[key] in published}
    with tempfile.TemporaryDirectory(prefix="khabar-dedup-") as tmp:
        db = Path(tmp) / "w.duckdb"
        load(db, stage_all(outcomes(keyed, published=when), Path(tmp) / "staging", settings), settings)
        con = duckdb.connect(str(db), read_only=True)
        rows = con.execute("SELECT article_id, story_id FROM story_members").fetchall()
        con.close()
    return {ids[article_id]: ids[story_id] for article_id, story_id in rows}
