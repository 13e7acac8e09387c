"""Story assignment inside the writer's transaction: read what the decision needs, decide, write.

A run reads its new articles, the stored articles sharing LSH buckets with them (their stored shingle
sets, not their bodies), and the bodies of the few members whose lineage it must work out, so it costs
in proportion to its new articles, not to the archive's text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa

from khabar.tasks.dedup import DedupSettings, Fingerprint, compact, fingerprints
from khabar.tasks.stories import Member, NewArticle, bodies_needed, describe, group, lineage_prints, to_describe
from khabar.warehouse.db import id_table, registered

_PUSHED_IDS = 10_000  # id lists up to this long are pushed into the scans they are joined with


def assign_stories(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    loaded_at: datetime,
    settings: DedupSettings = DedupSettings(),
    window_days: int | None = None,
) -> None:
    """Give every article loaded by `run_id` its story, merging stories it bridges."""
    fresh = con.execute(
        "SELECT article_id, body_sha256, epoch_us(fetched_at), source_uri, body FROM articles WHERE run_id = ?",
        [run_id],
    ).fetchall()
    new = [NewArticle(article_id, body_hash, (fetched_at, uri)) for article_id, body_hash, fetched_at, uri, _ in fresh]
    bodies = {article_id: body for article_id, *_, body in fresh}
    whole = dict(zip(bodies, fingerprints(list(bodies.values()), settings, bands=False), strict=True))
    prints = {article_id: compact(fp) for article_id, fp in whole.items()}
    _store_shingles(con, prints)
    exact_story = dict(
        con.execute(
            """
            SELECT a.body_sha256, arg_min(m.story_id, m.joined_at)
            FROM story_members m JOIN articles a USING (article_id)
            WHERE a.body_sha256 IN (SELECT body_sha256 FROM articles WHERE run_id = ?)
            GROUP BY a.body_sha256
            """,
            [run_id],
        ).fetchall()
    )
    candidates = _candidates(con, run_id, loaded_at, window_days, settings.min_shared_bands)
    stored_ids = {other for others in candidates.values() for other in others} - prints.keys()
    prints |= _stored_prints(con, stored_ids, settings)
    with registered(con, involved_ids=id_table(stored_ids)):
        stored = con.execute(
            """
        WITH mine AS (
            SELECT article_id, story_id FROM story_members SEMI JOIN involved_ids USING (article_id)
        ), firsts AS (
            SELECT m.story_id, min(epoch_us(a.fetched_at)) AS first_seen
            FROM story_members m JOIN articles a USING (article_id)
            WHERE m.story_id IN (SELECT story_id FROM mine) GROUP BY m.story_id
        )
        SELECT mine.article_id, mine.story_id, firsts.first_seen FROM mine JOIN firsts USING (story_id)
        """
        ).fetchall()
    grouping = group(
        new,
        exact_story,
        candidates,
        story_of_known={aid: story for aid, story, _ in stored},
        story_seen={story: (seen, story) for _, story, seen in stored},
        prints=prints,
        settings=settings,
    )
    for from_story, into_story, via in grouping.merges:
        con.execute("UPDATE story_members SET story_id = ? WHERE story_id = ?", [into_story, from_story])
        con.execute("INSERT INTO story_merges VALUES (?, ?, ?, ?, ?)", [from_story, into_story, via, run_id, loaded_at])
    _insert_new(con, grouping.story_of, run_id, loaded_at)
    _refresh(con, run_id, {into for _, into, _ in grouping.merges}, bodies, whole, settings)


def _candidates(
    con: duckdb.DuckDBPyConnection, run_id: str, loaded_at: datetime, window_days: int | None, min_bands: int
) -> dict[str, list[str]]:
    """New article → the articles sharing at least `min_bands` LSH bands with it."""
    query = """
        SELECT n.article_id, o.article_id
        FROM (SELECT b.* FROM lsh_bands b JOIN articles a USING (article_id) WHERE a.run_id = ?) n
        JOIN lsh_bands o ON o.band = n.band AND o.bucket = n.bucket AND o.article_id <> n.article_id
    """
    params: list[object] = [run_id]
    if window_days:  # only stored articles seen within the window are candidates
        query += " JOIN articles oa ON oa.article_id = o.article_id WHERE oa.run_id = ? OR oa.fetched_at >= ?"
        params += [run_id, loaded_at - timedelta(days=window_days)]
    query += " GROUP BY ALL HAVING count(*) >= ?"
    pairs = con.execute(query, [*params, min_bands]).fetchall()
    found: dict[str, list[str]] = defaultdict(list)
    for new_id, other_id in pairs:
        found[new_id].append(other_id)
    return found


def _store_shingles(con: duckdb.DuckDBPyConnection, prints: Mapping[str, Fingerprint]) -> None:
    """Keep the compact fingerprints of articles that have none stored yet."""
    table = pa.table(
        {
            "article_id": pa.array(list(prints), pa.string()),
            "shingles": pa.array([fp.shingles.astype("<u4").tobytes() for fp in prints.values()], pa.binary()),
            "numbers": pa.array([sorted(fp.numbers) for fp in prints.values()], pa.list_(pa.string())),
        }
    )
    with registered(con, new_shingles=table):
        con.execute("INSERT INTO article_shingles SELECT * FROM new_shingles")


def _stored_prints(
    con: duckdb.DuckDBPyConnection, article_ids: set[str], settings: DedupSettings
) -> dict[str, Fingerprint]:
    """Compact fingerprints of stored articles; those stored before `article_shingles` existed are made
    from their bodies once, and kept."""
    if not article_ids:
        return {}
    with _ids_pushed_down(con), registered(con, wanted_ids=id_table(article_ids)):
        rows = con.execute(
            "SELECT article_id, shingles, numbers FROM article_shingles SEMI JOIN wanted_ids USING (article_id)"
        ).fetchall()
    found = {
        article_id: Fingerprint(np.frombuffer(shingles, "<u4").astype(np.uint64), frozenset(numbers), ())
        for article_id, shingles, numbers in rows
    }
    if missing := _bodies(con, article_ids - found.keys()):
        made = fingerprints(list(missing.values()), settings, bands=False)
        backfilled = {article_id: compact(fp) for article_id, fp in zip(missing, made, strict=True)}
        _store_shingles(con, backfilled)
        found |= backfilled
    return found


def _bodies(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]) -> dict[str, str]:
    with _ids_pushed_down(con), registered(con, wanted_ids=id_table(article_ids)):
        return dict(
            con.execute("SELECT article_id, body FROM articles SEMI JOIN wanted_ids USING (article_id)").fetchall()
        )


@contextmanager
def _ids_pushed_down(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Joins against up to `_PUSHED_IDS` ids filter the other side's scan by them, so its wide columns
    (bodies, shingle sets) are read for the matching rows only, not for the whole archive."""
    con.execute(f"SET dynamic_or_filter_threshold = {_PUSHED_IDS}")
    try:
        yield
    finally:
        con.execute("RESET dynamic_or_filter_threshold")


def _insert_new(con: duckdb.DuckDBPyConnection, story_of: dict[str, str], run_id: str, loaded_at: datetime) -> None:
    ids = sorted(story_of)
    table = pa.table(
        {
            "article_id": pa.array(ids, pa.string()),
            "story_id": pa.array([story_of[i] for i in ids], pa.string()),
            "relation": pa.array(["canonical" if story_of[i] == i else "near" for i in ids], pa.string()),
        }
    )
    with registered(con, new_members=table):
        con.execute(
            """
            INSERT OR IGNORE INTO story_members
                (article_id, story_id, relation, similarity, joined_at, run_id, shared_ratio,
                 added_paragraphs, removed_paragraphs)
            SELECT article_id, story_id, relation, 1.0, ?, ?, 1.0, 0, 0 FROM new_members
            """,
            [loaded_at, run_id],
        )


def _refresh(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    merged: set[str],
    new_bodies: Mapping[str, str],
    whole: Mapping[str, Fingerprint],
    settings: DedupSettings,
) -> None:
    """Work out canonical, relation, similarity and lineage for the members of stories this run touched
    that need it (`to_describe`); stories of one member keep the row they were given."""
    members: dict[str, list[Member]] = defaultdict(list)
    for story_id, article_id, body_hash, fetched_at, uri, agency, relation, joined_now in con.execute(
        """
        SELECT m.story_id, m.article_id, a.body_sha256, epoch_us(a.fetched_at), a.source_uri, a.agency,
            m.relation, m.run_id = ?
        FROM story_members m JOIN articles a USING (article_id)
        WHERE m.story_id IN (SELECT story_id FROM story_members WHERE run_id = ?)
        """,
        [run_id, run_id],
    ).fetchall():
        members[story_id].append(Member(article_id, body_hash, (fetched_at, uri), agency, relation, joined_now))
    plans = {story: to_describe(group, story in merged) for story, group in members.items() if len(group) > 1}
    needed = bodies_needed(plans.values())
    texts = {**_bodies(con, needed - new_bodies.keys()), **{i: new_bodies[i] for i in needed & new_bodies.keys()}}
    bodies, paragraphs = lineage_prints(texts, whole, settings)
    rows = [row for story, (canon, todo) in plans.items() for row in describe(story, canon, todo, bodies, paragraphs)]
    table = pa.table(
        {
            "article_id": pa.array([r.article_id for r in rows], pa.string()),
            "relation": pa.array([r.relation for r in rows], pa.string()),
            "similarity": pa.array([r.similarity for r in rows], pa.float64()),
            "shared_ratio": pa.array([r.shared_ratio for r in rows], pa.float64()),
            "added_paragraphs": pa.array([r.added_paragraphs for r in rows], pa.int32()),
            "removed_paragraphs": pa.array([r.removed_paragraphs for r in rows], pa.int32()),
        }
    )
    with registered(con, refreshed=table):
        con.execute(
            """
            UPDATE story_members SET relation = r.relation, similarity = r.similarity, shared_ratio = r.shared_ratio,
                added_paragraphs = r.added_paragraphs, removed_paragraphs = r.removed_paragraphs
            FROM refreshed r WHERE story_members.article_id = r.article_id
            """
        )
