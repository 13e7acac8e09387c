"""Story assignment inside the writer's transaction: read what the decision needs, decide, write.

Only this run's new articles and the stored articles that share an LSH bucket with them are read,
so a run costs in proportion to its new articles, not to the archive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from khabar.tasks.dedup import DedupSettings, Fingerprint, fingerprints
from khabar.tasks.stories import Member, MemberRow, NewArticle, describe, group
from khabar.warehouse.db import id_table, registered


def assign_stories(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    loaded_at: datetime,
    settings: DedupSettings = DedupSettings(),
    window_days: int | None = None,
) -> None:
    """Give every article loaded by `run_id` its story, merging stories it bridges."""
    new = [
        NewArticle(article_id, body_hash, (fetched_at, source_uri))
        for article_id, body_hash, fetched_at, source_uri in con.execute(
            "SELECT article_id, body_sha256, epoch_us(fetched_at), source_uri FROM articles WHERE run_id = ?", [run_id]
        ).fetchall()
    ]
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
    involved = set(candidates) | {other for others in candidates.values() for other in others}
    bodies = _bodies(con, involved)
    made = fingerprints([body for _, body in bodies], settings, bands=False)
    prints = {article_id: fp for (article_id, _), fp in zip(bodies, made, strict=True)}
    with registered(con, involved_ids=id_table(involved)):
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
    _refresh(con, _shared_stories(con, run_id), prints, settings)


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


def _bodies(con: duckdb.DuckDBPyConnection, article_ids: Iterable[str]) -> list[tuple[str, str]]:
    with registered(con, wanted_ids=id_table(article_ids)):
        return con.execute("SELECT article_id, body FROM articles SEMI JOIN wanted_ids USING (article_id)").fetchall()


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


def _shared_stories(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Stories this run touched that have more than one member: only they need their relations worked out."""
    rows = con.execute(
        """
        SELECT story_id FROM story_members
        WHERE story_id IN (SELECT story_id FROM story_members WHERE run_id = ?)
        GROUP BY story_id HAVING count(*) > 1
        """,
        [run_id],
    ).fetchall()
    return [row[0] for row in rows]


def _refresh(
    con: duckdb.DuckDBPyConnection, story_ids: list[str], prints: dict[str, Fingerprint], settings: DedupSettings
) -> None:
    """Work out canonical, relation, similarity and lineage for every member of these stories."""
    if not story_ids:
        return
    members: dict[str, list[Member]] = defaultdict(list)
    with registered(con, refreshed_stories=id_table(story_ids, "story_id")):
        fetched = con.execute(
            """
            SELECT m.story_id, a.article_id, a.body, a.body_sha256, epoch_us(a.fetched_at), a.source_uri, a.agency
            FROM story_members m JOIN articles a USING (article_id) SEMI JOIN refreshed_stories USING (story_id)
            """
        ).fetchall()
    for story_id, article_id, body, body_hash, fetched_at, source_uri, agency in fetched:
        members[story_id].append(Member(article_id, body, body_hash, (fetched_at, source_uri), agency))
    rows: list[MemberRow] = [
        row for story, group in members.items() for row in describe(story, group, settings, prints)
    ]
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
