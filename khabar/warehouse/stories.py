"""Story assignment inside the writer's transaction: read what the decision needs, decide, write.

A run reads its new articles; the stored articles sharing LSH buckets with them, and the canonicals of
their stories, through their compact shingles (`article_shingles`), never their bodies; and the story
rows of the members concerned. It costs in proportion to its new articles, not to the archive's text.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from khabar.config import DedupSettings
from khabar.grouping.assign import Member, NewArticle, describe, group, lineage_needed, to_describe
from khabar.grouping.windows import Compact
from khabar.warehouse.db import id_table, registered
from khabar.warehouse.shingle_store import ids_pushed_down, read_windows


def assign_stories(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    loaded_at: datetime,
    settings: DedupSettings = DedupSettings(),
    window_days: int | None = None,
) -> None:
    """Give every article loaded by `run_id` its story, merging stories it bridges."""
    fresh = con.execute(
        "SELECT article_id, body_sha256, epoch_us(fetched_at), source_uri FROM articles WHERE run_id = ?",
        [run_id],
    ).fetchall()
    new = [NewArticle(article_id, body_hash, (fetched_at, uri)) for article_id, body_hash, fetched_at, uri in fresh]
    kept = read_windows(con, {row[0] for row in fresh}, settings)  # staged by the workers with the articles
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
    stored_ids = {other for others in candidates.values() for other in others} - kept.keys()
    stored = _stories_of(con, stored_ids)
    kept |= read_windows(con, stored_ids | {canonical for *_, canonical in stored if canonical}, settings)
    grouping = group(
        new,
        exact_story,
        candidates,
        story_of_known={aid: story for aid, story, *_ in stored},
        story_seen={story: (seen, story) for _, story, seen, _ in stored},
        prints={article_id: k.whole() for article_id, k in kept.items()},
        settings=settings,
    )
    _merge(con, grouping.merges, run_id, loaded_at)
    _insert_new(con, grouping.story_of, run_id, loaded_at)
    _refresh(con, run_id, {into for _, into, _ in grouping.merges}, kept, settings)


def _candidates(
    con: duckdb.DuckDBPyConnection, run_id: str, loaded_at: datetime, window_days: int | None, min_bands: int
) -> dict[str, list[str]]:
    """New article → the articles sharing at least `min_bands` LSH bands with it."""
    query = """
        WITH new_bands AS (SELECT b.* FROM lsh_bands b SEMI JOIN articles a ON a.article_id = b.article_id AND a.run_id = ?)
        SELECT n.article_id, o.article_id
        FROM new_bands n JOIN lsh_bands o ON o.band = n.band AND o.bucket = n.bucket AND o.article_id <> n.article_id
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


def _stories_of(con: duckdb.DuckDBPyConnection, article_ids: set[str]) -> list[tuple[str, str, int, str | None]]:
    """(article, its story, when the story was first seen, the story's canonical) for stored articles."""
    with ids_pushed_down(con), registered(con, involved_ids=id_table(article_ids)):
        return con.execute(
            """
        WITH mine AS (
            SELECT article_id, story_id FROM story_members SEMI JOIN involved_ids USING (article_id)
        ), firsts AS (
            SELECT m.story_id, min(epoch_us(a.fetched_at)) AS first_seen,
                any_value(m.article_id) FILTER (WHERE m.relation = 'canonical') AS canonical
            FROM story_members m JOIN articles a USING (article_id)
            WHERE m.story_id IN (SELECT story_id FROM mine) GROUP BY m.story_id
        )
        SELECT mine.article_id, mine.story_id, firsts.first_seen, firsts.canonical FROM mine JOIN firsts USING (story_id)
        """
        ).fetchall()


def _merge(
    con: duckdb.DuckDBPyConnection, merges: list[tuple[str, str, str]], run_id: str, loaded_at: datetime
) -> None:
    """Move the members of merged stories to the stories that absorbed them, and record the merges."""
    if not merges:
        return
    into = {from_story: into_story for from_story, into_story, _ in merges}

    def last(story: str) -> str:  # a story absorbed by one absorbed later in the run
        while story in into:
            story = into[story]
        return story

    moves = pa.table({"from_story": list(into), "into_story": [last(story) for story in into]})
    log = pa.table({name: [merge[i] for merge in merges] for i, name in enumerate(("from_story", "into_story", "via"))})
    with registered(con, moves=moves, merge_log=log):
        con.execute(
            "UPDATE story_members SET story_id = m.into_story FROM moves m WHERE story_members.story_id = m.from_story"
        )
        con.execute(
            "INSERT INTO story_merges SELECT from_story, into_story, via, ?, ? FROM merge_log", [run_id, loaded_at]
        )


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
            INSERT INTO story_members
                (article_id, story_id, relation, similarity, joined_at, run_id, shared_ratio,
                 added_paragraphs, removed_paragraphs)
            SELECT n.article_id, n.story_id, n.relation, 1.0, ?, ?, 1.0, 0, 0
            FROM new_members n ANTI JOIN story_members m USING (article_id)
            """,
            [loaded_at, run_id],
        )


def _refresh(
    con: duckdb.DuckDBPyConnection, run_id: str, merged: set[str], kept: dict[str, Compact], settings: DedupSettings
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
    kept |= read_windows(con, lineage_needed(plans.values()) - kept.keys(), settings)
    rows = [row for story, (canon, todo) in plans.items() for row in describe(story, canon, todo, kept, settings)]
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
