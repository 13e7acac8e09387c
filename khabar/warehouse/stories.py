"""Story assignment inside the writer's transaction: read what the decision needs, decide, write.

A run reads its new articles; the stored articles sharing LSH buckets with them, and the canonicals of
their stories, through their compact shingles (`article_shingles`), never their bodies; and the story
rows of the members concerned. It costs in proportion to its new articles, not to the archive's text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from khabar.config import DedupSettings
from khabar.grouping.assign import (
    Member,
    NewArticle,
    Times,
    day_of_year,
    describe,
    group,
    lineage_needed,
    to_describe,
)
from khabar.grouping.windows import PARAGRAPH_BAND, Compact, Prints
from khabar.warehouse.db import id_table, registered
from khabar.warehouse.shingle_store import KeptWindows, ids_pushed_down, read_windows

# A publication time grouping may trust: not one whose year is only a weekday's guess (docs/time-model.md); such
# a copy is placed by its dateline's day of the year, as an undated one.
KNOWN_PUBLISHED = (
    "CASE WHEN {a}published_source = 'dateline' AND {a}dateline_year_source = 'weekday' THEN NULL "
    "ELSE epoch_us({a}published_at) END"
)

# `day_of_year` in SQL, of an article whose publication time grouping trusts is `{known}`: the day of the year (in
# 2000, a leap year) of its publication in India (+05:30), else of its dateline, else of its year-less dateline's day
# and month, when they make a date; NULL otherwise. A story's days come back as integers, not as rows to convert.
DAY_OF_YEAR = """CASE
    WHEN ({known}) IS NOT NULL THEN dayofyear(make_date(2000,
        month(CAST(make_timestamp(({known}) + 19800000000) AS DATE)), day(CAST(make_timestamp(({known}) + 19800000000) AS DATE))))
    WHEN a.dateline_date IS NOT NULL THEN dayofyear(make_date(2000, month(a.dateline_date), day(a.dateline_date)))
    WHEN a.dateline_month BETWEEN 1 AND 12
        AND a.dateline_day BETWEEN 1 AND [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][a.dateline_month]
        THEN dayofyear(make_date(2000, a.dateline_month, a.dateline_day))
END"""


def assign_stories(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    loaded_at: datetime,
    settings: DedupSettings = DedupSettings(),
    window_days: int | None = None,
    cache: KeptWindows | None = None,
    staged: Mapping[str, Compact] | None = None,
) -> None:
    """Give every article `run_id` loaded at `loaded_at` (the chunk under way) its story, merging stories it
    bridges. Articles of the run's earlier chunks are stored articles like any other. `cache`: the compact
    shingles the run's writer keeps across its chunks; `staged`: those of the batches the chunk inserted, the
    same rows (the new articles' are not read back: that scans the whole table)."""
    fresh = con.execute(
        f"SELECT article_id, body_sha256, epoch_us(fetched_at), source_uri, {KNOWN_PUBLISHED.format(a='')}, "
        "dateline_date, dateline_month, dateline_day FROM articles WHERE run_id = ? AND ingested_at = ?",
        [run_id, loaded_at],
    ).fetchall()
    if not fresh:  # nothing new in this chunk (a re-run): no story changes
        return
    new = [
        NewArticle(aid, body_hash, (fetched_at, uri), published, day_of_year(published, dateline, month, day))
        for aid, body_hash, fetched_at, uri, published, dateline, month, day in fresh
    ]
    staged = staged or {}
    kept = {row[0]: staged[row[0]] for row in fresh if row[0] in staged}  # made by the workers
    if cache is not None:
        cache.keep(kept)
    kept |= read_windows(con, {row[0] for row in fresh} - kept.keys(), settings, cache)  # kept as it reads them
    exact_story = dict(
        con.execute(
            """
            SELECT a.body_sha256, arg_min(m.story_id, m.joined_at)
            FROM story_members m JOIN articles a USING (article_id)
            WHERE a.body_sha256 IN (SELECT body_sha256 FROM articles WHERE run_id = ? AND ingested_at = ?)
            GROUP BY a.body_sha256
            """,
            [run_id, loaded_at],
        ).fetchall()
    )
    candidates = _candidates(con, run_id, loaded_at, window_days, settings)
    stored_ids = {other for others in candidates.values() for other in others} - kept.keys()
    stored = _stories_of(con, stored_ids)
    kept |= read_windows(con, stored_ids | {row[3] for row in stored if row[3]}, settings, cache)
    grouping = group(
        new,
        exact_story,
        candidates,
        story_of_known={aid: story for aid, story, *_ in stored},
        story_seen={story: seen for _, story, seen, *_ in stored},
        prints=Prints(kept, settings.ngram),
        settings=settings,
        story_times={story: times for _, story, _, _, times, _ in stored},
        published={aid: when for aid, *_, when in stored if when is not None},
    )
    _merge(con, grouping.merges, run_id, loaded_at)
    _insert_new(con, grouping.story_of, run_id, loaded_at)
    _link(con, grouping.links, run_id, loaded_at)
    date_from_story(con, run_id, loaded_at)  # before the canonical is chosen: it is the earliest published
    _refresh(con, run_id, loaded_at, {into for _, into, _ in grouping.merges}, kept, settings, cache)


def date_from_story(con: duckdb.DuckDBPyConnection, run_id: str, loaded_at: datetime) -> None:
    """A dateline without a printed year takes it from its story, before any weekday cue: in the stories
    this run touched, a member whose dateline names a day and month, and whose year is unknown or only a
    weekday's guess, takes the date of the members dated on that same day and month, when they agree on
    one. Evidence is a member's dateline year that was printed or came from its own publication date, or
    a member's publication date in India from any source but a dateline. A member's published_at that was
    only its dateline's becomes the new date (precision `date`, source `dateline`). Rows loaded before
    migration 010 are no evidence: their dateline years may be their run's."""
    con.execute(
        """
        UPDATE articles SET
            dateline_date = f.day,
            dateline_year_source = 'story',
            published_at = CASE WHEN articles.published_at IS NULL OR articles.published_source = 'dateline'
                THEN CAST(f.day AS TIMESTAMP) AT TIME ZONE 'Asia/Kolkata' ELSE articles.published_at END,
            published_precision = CASE WHEN articles.published_at IS NULL OR articles.published_source = 'dateline'
                THEN 'date' ELSE articles.published_precision END,
            published_source = CASE WHEN articles.published_at IS NULL OR articles.published_source = 'dateline'
                THEN 'dateline' ELSE articles.published_source END
        FROM (
            SELECT u.article_id, min(k.day) AS day
            FROM (
                SELECT m.story_id, a.article_id, a.dateline_day, a.dateline_month
                FROM story_members m JOIN articles a USING (article_id)
                WHERE a.dateline_day IS NOT NULL
                    AND (a.dateline_date IS NULL OR a.dateline_year_source = 'weekday')
                    AND m.story_id IN (SELECT story_id FROM story_members WHERE run_id = ? AND joined_at = ?)
            ) u
            JOIN (
                SELECT m.story_id, a.dateline_date AS day
                FROM story_members m JOIN articles a USING (article_id)
                WHERE a.dateline_year_source IN ('printed', 'published')
                    AND m.story_id IN (SELECT story_id FROM story_members WHERE run_id = ? AND joined_at = ?)
                UNION ALL
                SELECT m.story_id, CAST(a.published_at AT TIME ZONE 'Asia/Kolkata' AS DATE)
                FROM story_members m JOIN articles a USING (article_id)
                WHERE a.published_precision IN ('datetime', 'date') AND a.published_source <> 'dateline'
                    AND m.story_id IN (SELECT story_id FROM story_members WHERE run_id = ? AND joined_at = ?)
            ) k ON k.story_id = u.story_id AND month(k.day) = u.dateline_month AND day(k.day) = u.dateline_day
            GROUP BY u.article_id
            HAVING count(DISTINCT k.day) = 1
        ) f
        WHERE articles.article_id = f.article_id
        """,
        [run_id, loaded_at] * 3,
    )


MAX_ANCHOR_ARTICLES = 50  # an anchor key found in more articles than this proposes no candidates
# A new article is compared with at most this many earlier articles, those sharing the most LSH bands, then anchor
# keys: the work per article stays bounded however many related stories an archive holds (docs/benchmarks.md).
MAX_CANDIDATES = 12
# Bucket matches one candidate query joins and counts at most: the new articles are taken in slices that stay
# under it, so DuckDB's memory follows the slice, not how many stored articles share buckets with the chunk.
# A chunk of 5,000 generated dumps matched 3.6 million at 100k stored, 11.4 million at 230k; the next ran out of 1 GiB.
BUCKET_MATCHES_AT_ONCE = 4_000_000


def _candidates(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    loaded_at: datetime,
    window_days: int | None,
    settings: DedupSettings,
) -> dict[str, list[str]]:
    """New article → the earlier articles sharing at least `min_shared_bands` whole-body LSH bands with it, or at
    least `min_shared_paragraph_keys` anchor keys (band PARAGRAPH_BAND) that fewer than `MAX_ANCHOR_ARTICLES` print;
    the `MAX_CANDIDATES` sharing most. Earlier: stored, or seen before it (fetched_at, source_uri), the order
    `group` takes new articles in, so a chunk of a run proposes what the whole run in one chunk would."""
    wanted = con.execute(  # the new articles' bands, with how many articles print each bucket
        """
        WITH new_bands AS MATERIALIZED (
            SELECT b.article_id, b.band, b.bucket FROM lsh_bands b SEMI JOIN articles a
                ON a.article_id = b.article_id AND a.run_id = ? AND a.ingested_at = ?
        ), sizes AS (
            SELECT l.band, l.bucket, count(*) AS printed FROM lsh_bands l
            SEMI JOIN new_bands n ON l.band = n.band AND l.bucket = n.bucket GROUP BY ALL
        )  -- runs of words that many articles print are stock phrases, not evidence of a copy
        SELECT n.article_id, n.band, n.bucket, s.printed FROM new_bands n JOIN sizes s USING (band, bucket)
        WHERE n.band <> ? OR s.printed <= ?
        ORDER BY n.article_id
        """,
        [run_id, loaded_at, PARAGRAPH_BAND, MAX_ANCHOR_ARTICLES],
    ).to_arrow_table()
    found: dict[str, list[str]] = defaultdict(list)
    starts = _starts(wanted["article_id"])  # each new article numbered: its pairs are counted by the number
    runs = np.diff(np.append(starts, len(wanted)))
    wanted = wanted.append_column("new_no", pa.array(np.repeat(np.arange(len(starts)), runs)))
    chunk = con.execute(  # the chunk's articles in the order seen: one is a candidate of those seen after it
        "SELECT article_id, dense_rank() OVER (ORDER BY fetched_at, source_uri) AS seen_rank FROM articles "
        "WHERE run_id = ? AND ingested_at = ?",
        [run_id, loaded_at],
    ).to_arrow_table()
    ids = wanted["article_id"].take(starts)
    seen_rank = chunk["seen_rank"].take(pc.index_in(ids, chunk["article_id"].combine_chunks()))
    new_ids = pa.table({"new_no": pa.array(np.arange(len(starts))), "article_id": ids, "seen_rank": seen_rank})
    for part in _slices(wanted, BUCKET_MATCHES_AT_ONCE):
        with registered(con, wanted=part, new_ids=new_ids, chunk_order=chunk):
            for new_id, other_id in con.execute(*_pairs_query(run_id, loaded_at, window_days, settings)).fetchall():
                found[new_id].append(other_id)
    return found


def _slices(wanted: pa.Table, matches_at_once: int) -> list[pa.Table]:
    """`wanted` (sorted by article) cut between articles into parts whose bucket matches stay under the bound;
    an article whose own matches pass it is a part alone."""
    if not len(wanted):
        return []
    starts = _starts(wanted["article_id"])
    matches = np.add.reduceat(wanted["printed"].to_numpy(), starts)  # each article's
    parts, start, held = [], 0, 0
    for first, own in zip(starts.tolist(), matches.tolist(), strict=True):
        if held and held + own > matches_at_once:
            parts.append(wanted.slice(start, first - start))
            start, held = first, 0
        held += own
    parts.append(wanted.slice(start))
    return parts


def _starts(ids: pa.ChunkedArray) -> np.ndarray:
    """The first row of each run of equal ids."""
    if not len(ids):
        return np.zeros(0, np.int64)
    different = pc.not_equal(ids.slice(1), ids.slice(0, len(ids) - 1)).to_numpy(zero_copy_only=False)
    return np.flatnonzero(np.concatenate(([True], different)))


def _pairs_query(
    run_id: str, loaded_at: datetime, window_days: int | None, settings: DedupSettings
) -> tuple[str, list[object]]:
    """The candidates of the new articles in the registered table `wanted`: the earlier articles sharing the
    most of their buckets. Pairs are counted by the new article's number (`new_ids`), not by its id: a third faster.
    An article of the chunk (`chunk_order`) is earlier when seen before: the pairs are not joined to `articles`."""
    query = """
        WITH pairs AS (
            SELECT n.new_no, o.article_id AS other_id,
                count(*) FILTER (WHERE n.band <> ?) AS bands, count(*) FILTER (WHERE n.band = ?) AS keys
            FROM wanted n JOIN lsh_bands o ON o.band = n.band AND o.bucket = n.bucket AND o.article_id <> n.article_id
            GROUP BY ALL HAVING bands >= ? OR keys >= ?
        )
        SELECT i.article_id, p.other_id
        FROM pairs p JOIN new_ids i USING (new_no) LEFT JOIN chunk_order c ON c.article_id = p.other_id
    """
    params: list[object] = [
        PARAGRAPH_BAND,
        PARAGRAPH_BAND,
        settings.min_shared_bands,
        settings.min_shared_paragraph_keys,
    ]
    if window_days:  # only stored articles seen within the window are candidates
        query += " JOIN articles oa ON oa.article_id = p.other_id AND (oa.run_id = ? OR oa.fetched_at >= ?)"
        params += [run_id, loaded_at - timedelta(days=window_days)]
    query += " WHERE c.seen_rank IS NULL OR c.seen_rank < i.seen_rank"
    query += " QUALIFY row_number() OVER (PARTITION BY p.new_no ORDER BY p.bands DESC, p.keys DESC, p.other_id) <= ?"
    return query, [*params, MAX_CANDIDATES]


def _stories_of(
    con: duckdb.DuckDBPyConnection, article_ids: set[str]
) -> list[tuple[str, str, tuple[int, str], str | None, Times, int | None]]:
    """(article, its story, when the story was first seen, the story's canonical, what is known of when the
    story's members ran, the article's publication time) for stored articles."""
    known = KNOWN_PUBLISHED.format(a="a.")
    with ids_pushed_down(con), registered(con, involved_ids=id_table(article_ids)):
        rows = con.execute(
            """
        WITH mine AS (
            SELECT m.article_id, m.story_id, {known} AS published
            FROM story_members m JOIN articles a USING (article_id) SEMI JOIN involved_ids USING (article_id)
        ), firsts AS (
            SELECT m.story_id, min((epoch_us(a.fetched_at), a.source_uri)) AS first_seen,
                any_value(m.article_id) FILTER (WHERE m.relation = 'canonical') AS canonical,
                min({known}) AS first_published, max({known}) AS last_published,
                list(DISTINCT {day}) FILTER (WHERE {day} IS NOT NULL) AS days
            FROM story_members m JOIN articles a USING (article_id)
            WHERE m.story_id IN (SELECT story_id FROM mine) GROUP BY m.story_id
        )
        SELECT mine.article_id, mine.story_id, firsts.first_seen, firsts.canonical, firsts.first_published,
            firsts.last_published, firsts.days, mine.published
        FROM mine JOIN firsts USING (story_id)
        """.format(known=known, day=DAY_OF_YEAR.format(known=known))
        ).fetchall()
    times: dict[str, Times] = {}  # a story's, worked out once however many of its members are candidates
    for _, story, _, _, first, last, days, _ in rows:
        if story not in times:
            times[story] = Times(first, last, frozenset(days or ()))
    return [  # first seen: when, and where (a new story's founding copy sorts the same way: NewArticle.seen)
        (aid, story, tuple(seen), canonical, times[story], published)
        for aid, story, seen, canonical, _, _, _, published in rows
    ]


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
        for end in ("from_story", "to_story"):  # links of a story that ceased now belong to the one that absorbed it
            con.execute(
                f"UPDATE story_links SET {end} = m.into_story FROM moves m WHERE story_links.{end} = m.from_story"
            )
        con.execute("DELETE FROM story_links WHERE from_story = to_story")
        # only a link now ending at an absorbing story can repeat another: the rest of the table is not read
        con.execute(
            """
            WITH moved AS MATERIALIZED (
                SELECT rowid AS row_id, from_story, to_story, kind FROM story_links
                WHERE from_story IN (SELECT into_story FROM moves) OR to_story IN (SELECT into_story FROM moves)
            )
            DELETE FROM story_links WHERE rowid IN (SELECT row_id FROM moved) AND rowid NOT IN
                (SELECT min(row_id) FROM moved GROUP BY from_story, to_story, kind)
            """
        )


def _link(
    con: duckdb.DuckDBPyConnection, links: dict[tuple[str, str], float], run_id: str, linked_at: datetime
) -> None:
    """Record follow-ups: a later story that repeats an earlier one with new figures, or past the window."""
    if not links:
        return
    table = pa.table(
        {
            "from_story": pa.array([later for later, _ in links], pa.string()),
            "to_story": pa.array([earlier for _, earlier in links], pa.string()),
            "similarity": pa.array([round(value, 4) for value in links.values()], pa.float64()),
        }
    )
    # the links stored between these stories are picked first: joined to them directly, the whole table is hashed
    with registered(con, new_links=table):
        con.execute(
            """
            INSERT INTO story_links (from_story, to_story, kind, similarity, run_id, linked_at)
            WITH known AS MATERIALIZED (
                SELECT from_story, to_story, similarity FROM story_links WHERE kind = 'follow_up'
                    AND from_story IN (SELECT from_story FROM new_links UNION SELECT to_story FROM new_links)
            )
            SELECT n.from_story, n.to_story, 'follow_up', greatest(n.similarity, r.similarity), ?, ? FROM new_links n
            LEFT JOIN known r ON r.from_story = n.to_story AND r.to_story = n.from_story
            ANTI JOIN known l ON l.from_story = n.from_story AND l.to_story = n.to_story
            """,
            [run_id, linked_at],
        )
        # a pair linked the other way round before: the order the stories' times give now replaces it
        con.execute(
            "DELETE FROM story_links WHERE rowid IN (SELECT l.rowid FROM story_links l JOIN new_links n "
            "ON n.from_story = l.to_story AND n.to_story = l.from_story WHERE l.kind = 'follow_up')"
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
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    loaded_at: datetime,
    merged: set[str],
    kept: dict[str, Compact],
    settings: DedupSettings,
    cache: KeptWindows | None = None,
) -> None:
    """Work out canonical, relation, similarity and lineage for the members of stories this run touched
    that need it (`to_describe`); stories of one member keep the row they were given."""
    members: dict[str, list[Member]] = defaultdict(list)
    for story_id, article_id, body_hash, fetched_at, uri, agency, relation, joined_now, published, timed in con.execute(
        """
        SELECT m.story_id, m.article_id, a.body_sha256, epoch_us(a.fetched_at), a.source_uri, a.agency,
            m.relation, m.run_id = ? AND m.joined_at = ?, {known}, a.published_precision IS DISTINCT FROM 'date'
        FROM story_members m JOIN articles a USING (article_id)
        WHERE m.story_id IN (SELECT story_id FROM story_members WHERE run_id = ? AND joined_at = ?)
        """.format(known=KNOWN_PUBLISHED.format(a="a.")),
        [run_id, loaded_at, run_id, loaded_at],
    ).fetchall():
        members[story_id].append(
            Member(article_id, body_hash, (fetched_at, uri), agency, relation, joined_now, published, timed)
        )
    plans = {story: to_describe(group, story in merged) for story, group in members.items() if len(group) > 1}
    kept |= read_windows(con, lineage_needed(plans.values()) - kept.keys(), settings, cache)
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
    lineage = [(r.article_id, r.story_id, p.seq, p.canonical_seq, p.status) for r in rows for p in r.paragraphs]
    paragraphs = pa.table(
        {
            "article_id": pa.array([p[0] for p in lineage], pa.string()),
            "story_id": pa.array([p[1] for p in lineage], pa.string()),
            "seq": pa.array([p[2] for p in lineage], pa.int32()),
            "canonical_seq": pa.array([p[3] for p in lineage], pa.int32()),
            "status": pa.array([p[4] for p in lineage], pa.string()),
        }
    )
    with registered(con, refreshed=table, refreshed_paragraphs=paragraphs):
        con.execute(
            """
            UPDATE story_members SET relation = r.relation, similarity = r.similarity, shared_ratio = r.shared_ratio,
                added_paragraphs = r.added_paragraphs, removed_paragraphs = r.removed_paragraphs
            FROM refreshed r WHERE story_members.article_id = r.article_id
            """
        )
        con.execute("DELETE FROM member_paragraphs WHERE article_id IN (SELECT article_id FROM refreshed)")
        con.execute("INSERT INTO member_paragraphs SELECT * FROM refreshed_paragraphs")
