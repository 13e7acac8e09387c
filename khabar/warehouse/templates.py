"""Outlet templates in the writer's transaction: count each head and tail unit by the distinct stories
its outlet printed it under, and take the units that reach the threshold out of every article that
carries them, those loaded in earlier runs included.

Counting by story, not by document, keeps wire copy that one outlet republishes in many editions as
content: its units stay in one story however often they are printed. A story and its follow-ups (story_links)
count once too: the background a running story repeats day after day is content, not the outlet's wrapper. And
a story counts only as the outlet's own: where other outlets' copies of it print the unit too, the unit travelled
with the text (content, or a line of the wire copy), and that story does not make it this outlet's wrapper.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from khabar.config import DedupSettings
from khabar.text.digest import body_sha256
from khabar.text.normalize import word_count
from khabar.text.templates import family_counts, fingerprint, strip_templates
from khabar.warehouse.db import id_table, registered
from khabar.warehouse.shingle_store import KeptWindows, replace_windows


def learn_templates(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    loaded_at: datetime,
    min_stories: int,
    min_body_words: int,
    settings: DedupSettings = DedupSettings(),
    cache: KeptWindows | None = None,
) -> int:
    """Recount the units carried by the articles `run_id` loaded at `loaded_at` (the chunk under way), then strip
    the templates among them from every article of their outlets that still has them. Returns the number of
    articles stripped. Only articles carrying a template recounted now are read: an article's templates change
    only when the count of one of its units does, so a run with nothing new strips nothing."""
    counted = _count(con, run_id, loaded_at)
    with registered(con, recounted=counted):  # replaced row by row: a DuckLake has no key to replace on
        con.execute(
            "DELETE FROM outlet_templates WHERE EXISTS (SELECT 1 FROM recounted r "
            "WHERE r.outlet = outlet_templates.outlet AND r.fingerprint = outlet_templates.fingerprint)"
        )
        con.execute(
            "INSERT INTO outlet_templates (outlet, fingerprint, n_stories, sample, updated_at) "
            "SELECT outlet, fingerprint, n_stories, sample, updated_at FROM recounted"
        )
    rows = con.execute(
        """
        WITH learned AS MATERIALIZED (  -- recounted just now: an article's templates change only when one is
            SELECT outlet, fingerprint FROM outlet_templates WHERE n_stories >= ? AND updated_at = ?
        ),
        units AS MATERIALIZED (  -- units still in their bodies with such a fingerprint
            SELECT z.article_id, z.fingerprint, a.outlet FROM zone_units z JOIN articles a USING (article_id)
            WHERE NOT z.removed AND z.fingerprint IN (SELECT fingerprint FROM learned)
        ),
        affected AS MATERIALIZED (
            SELECT DISTINCT u.article_id FROM units u
            SEMI JOIN learned l ON l.outlet = u.outlet AND l.fingerprint = u.fingerprint
        ),
        last_block AS (
            SELECT article_id, max(seq) AS seq FROM removed_blocks SEMI JOIN affected USING (article_id) GROUP BY ALL
        )
        SELECT a.article_id, a.outlet, a.body, a.lede, coalesce(b.seq, -1)
        FROM articles a LEFT JOIN last_block b USING (article_id)
        WHERE a.rowid IN (SELECT rowid FROM articles SEMI JOIN affected USING (article_id))  -- only their bodies read
        """,
        [min_stories, loaded_at],
    ).fetchall()
    if not rows:
        return 0
    outlets = sorted({row[1] for row in rows})
    learned: dict[str, dict[int, int]] = defaultdict(dict)
    for outlet, fp, n in con.execute(
        "SELECT outlet, fingerprint, n_stories FROM outlet_templates WHERE n_stories >= ? AND list_contains(?, outlet)",
        [min_stories, outlets],
    ).fetchall():
        learned[outlet][fp] = n
    changed: dict[str, str] = {}
    no_lede: set[str] = set()
    blocks: list[tuple[str, int, str, int]] = []
    for article_id, outlet, body, lede, last_seq in rows:
        stripped = strip_templates(body, learned[outlet], min_body_words)
        removed = list(stripped.removed)
        if lede and (fp := fingerprint(lede)) in learned[outlet]:  # a promo taken for the standfirst
            no_lede.add(article_id)
            removed.insert(0, (lede, learned[outlet][fp]))
        if stripped.removed:
            changed[article_id] = stripped.body
        blocks += [(article_id, last_seq + 1 + k, text, n) for k, (text, n) in enumerate(removed)]
    if no_lede:
        with registered(con, template_ledes=id_table(no_lede)):
            con.execute("UPDATE articles SET lede = NULL WHERE article_id IN (SELECT article_id FROM template_ledes)")
    if not changed:
        _write_blocks(con, blocks, min_stories, {b[0] for b in blocks})
        return len(no_lede)
    _write(con, changed, settings, cache)
    _write_blocks(con, blocks, min_stories, {b[0] for b in blocks})
    return len(changed.keys() | no_lede)


# (outlet, fingerprint, ...) of the units the chunk's articles carry, grouped: `text` is ", z.text" when `what` needs it
_CARRIED = """
    WITH touched AS MATERIALIZED (
        SELECT DISTINCT a.outlet, z.fingerprint FROM zone_units z JOIN articles a USING (article_id)
        WHERE a.run_id = ? AND a.ingested_at = ? AND a.outlet IS NOT NULL
    ), units AS MATERIALIZED (  -- the units of those fingerprints, before any join on the outlet alone
        SELECT z.article_id, z.fingerprint{text} FROM zone_units z WHERE z.fingerprint IN (SELECT fingerprint FROM touched)
    )
    SELECT a.outlet, u.fingerprint, {what}
    FROM units u JOIN articles a USING (article_id) JOIN story_members m USING (article_id)
    SEMI JOIN touched t ON t.outlet = a.outlet AND t.fingerprint = u.fingerprint
    GROUP BY ALL
"""


def _count(con: duckdb.DuckDBPyConnection, run_id: str, loaded_at: datetime) -> pa.Table:
    """(outlet, fingerprint, n_stories, sample, updated_at) for each unit the chunk's articles carry: the
    independent stories of its own its outlet printed it under (`family_counts` over the follow-up links among
    them, without the families whose every story other outlets' copies print the unit in too)."""
    # each (unit, story) a numbered node, each unit a number: at 100,000 articles a chunk's units had 160,000 stories
    # and 280,000 links among them, all counted at once; one sample a unit is read, not each story's texts
    carried = con.execute(
        "SELECT *, dense_rank() OVER (ORDER BY outlet, fingerprint) - 1 AS unit, row_number() OVER () - 1 AS node "
        f"FROM ({_CARRIED.format(text='', what='m.story_id')})",
        [run_id, loaded_at],
    ).to_arrow_table()
    with registered(con, carried=carried):
        linked = con.execute(  # the follow-up links between two stories that carry one unit. Links between carried
            # stories first, then each joined to its later story's nodes, then to the earlier story's node of the same
            # unit: joined on the unit first, DuckDB paired every two nodes of a unit (2.1 million at 100,000 articles)
            """
            WITH carried_stories AS MATERIALIZED (SELECT DISTINCT story_id FROM carried),
            links AS MATERIALIZED (
                SELECT from_story, to_story FROM story_links WHERE kind = 'follow_up'
                    AND from_story IN (SELECT story_id FROM carried_stories)
                    AND to_story IN (SELECT story_id FROM carried_stories)
            ),
            later AS MATERIALIZED (SELECT c.node, c.unit, l.to_story FROM carried c JOIN links l ON l.from_story = c.story_id)
            SELECT c.node AS later, d.node AS earlier FROM later c JOIN carried d ON d.unit = c.unit AND d.story_id = c.to_story
            """
        ).to_arrow_table()
        shared = con.execute(  # the stories whose copies from another outlet carry the unit too
            """
            SELECT DISTINCT c.node
            FROM carried c JOIN story_members m USING (story_id)
            JOIN articles a ON a.article_id = m.article_id AND a.outlet IS DISTINCT FROM c.outlet
            JOIN zone_units z ON z.article_id = a.article_id AND z.fingerprint = c.fingerprint
            """
        ).to_arrow_table()
    nodes = carried["node"].to_numpy()
    unit = np.empty(len(carried), np.int64)
    unit[nodes] = carried["unit"].to_numpy()
    own = np.ones(len(carried), bool)
    own[shared["node"].to_numpy()] = False
    n_stories = family_counts(unit, linked["later"].to_numpy(), linked["earlier"].to_numpy(), own)
    first = np.unique(carried["unit"].to_numpy(), return_index=True)[1]  # a row of each unit, in their numbers' order
    counted = carried.select(["outlet", "fingerprint"]).take(first).append_column("n_stories", pa.array(n_stories))
    samples = con.execute(_CARRIED.format(text=", z.text", what="min(u.text) AS sample"), [run_id, loaded_at])
    counted = counted.join(samples.to_arrow_table(), ["outlet", "fingerprint"])
    return pa.table(
        {
            "outlet": counted["outlet"],
            "fingerprint": counted["fingerprint"],
            "n_stories": counted["n_stories"].cast(pa.int32()),
            "sample": counted["sample"],
            "updated_at": pa.array([loaded_at] * len(counted), pa.timestamp("us", "UTC")),
        }
    )


def _write(
    con: duckdb.DuckDBPyConnection, changed: dict[str, str], settings: DedupSettings, cache: KeptWindows | None
) -> None:
    """The stripped bodies, their digests, word counts, compact shingles and LSH bands."""
    ids = list(changed)
    bodies = pa.table(
        {
            "article_id": pa.array(ids, pa.string()),
            "body": pa.array([changed[i] for i in ids], pa.string()),
            "word_count": pa.array([word_count(changed[i]) for i in ids], pa.int32()),
            "body_sha256": pa.array([body_sha256(changed[i]) for i in ids], pa.string()),
        }
    )
    # The rows are moved, not updated: a checkpoint rewrites the body column of every row group an UPDATE touched,
    # and the stored articles a chunk strips are spread over the whole archive; a delete only marks its rows.
    with registered(con, stripped_bodies=bodies):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stripped_articles AS SELECT a.* REPLACE "
            "(s.body AS body, s.word_count AS word_count, s.body_sha256 AS body_sha256) "
            "FROM articles a JOIN stripped_bodies s USING (article_id)"
        )
        con.execute("DELETE FROM articles WHERE article_id IN (SELECT article_id FROM stripped_bodies)")
        con.execute("INSERT INTO articles SELECT * FROM stripped_articles")
        con.execute("DROP TABLE stripped_articles")
    replace_windows(con, changed, settings, cache)


def _write_blocks(
    con: duckdb.DuckDBPyConnection, blocks: list[tuple[str, int, str, int]], min_stories: int, ids: set[str]
) -> None:
    """The removed units as 'template' blocks, and their zone units marked removed."""
    removed = pa.table(
        {
            "article_id": pa.array([b[0] for b in blocks], pa.string()),
            "seq": pa.array([b[1] for b in blocks], pa.int32()),
            "text": pa.array([b[2] for b in blocks], pa.string()),
            "template_stories": pa.array([b[3] for b in blocks], pa.int32()),
        }
    )
    with registered(con, template_blocks=removed, stripped_ids=id_table(ids)):
        con.execute(
            "INSERT INTO removed_blocks (article_id, seq, kind, text, template_stories) "
            "SELECT article_id, seq, 'template', text, template_stories FROM template_blocks"
        )
        units = con.execute(  # the units first, then their templates: joined on the outlet alone, DuckDB pairs
            # every stripped article with all its outlet's templates (millions of rows), then finds their units
            """
            WITH units AS MATERIALIZED (
                SELECT z.article_id, z.fingerprint, a.outlet FROM zone_units z JOIN articles a USING (article_id)
                SEMI JOIN stripped_ids USING (article_id)
            )
            SELECT DISTINCT u.article_id, u.fingerprint FROM units u JOIN outlet_templates t
                ON t.outlet = u.outlet AND t.fingerprint = u.fingerprint AND t.n_stories >= ?
            """,
            [min_stories],
        ).to_arrow_table()
    with registered(con, removed_units=units):  # a few rows a stripped article, as a table DuckDB builds on
        con.execute(
            "UPDATE zone_units SET removed = true FROM removed_units r "
            "WHERE zone_units.article_id = r.article_id AND zone_units.fingerprint = r.fingerprint"
        )
