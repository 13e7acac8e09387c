"""Full-text search: DuckDB's fts extension over the folded text of `article_search`, ranked by BM25.

The extension comes from the `duckdb-extension-fts` wheel (pinned with duckdb), loaded from its file, so
nothing is downloaded. Its tokenizer is configured to keep Devanagari: no stemmer, no stopwords, no accent
stripping or lowercasing (the text is folded already), and only characters that are not letters, marks
or digits separate words. The load builds the index in its transaction the first time, and from then on
adds each run's articles to it (`_add_to_index`), at a cost proportional to the run: the extension itself can
only rebuild the whole index, which took 22 s for 10k articles and 201 s for 48k on the 2-core machine.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from khabar.text.search import SearchQuery, search_key
from khabar.warehouse.db import connect_read_only, is_lake, registered

INDEX_SCHEMA = "fts_main_article_search"
_INDEX = (
    "PRAGMA create_fts_index('article_search', 'article_id', 'title', 'lede', 'body', stemmer = 'none', "
    r"stopwords = 'none', ignore = '[^\p{L}\p{M}\p{N}]+', strip_accents = 0, lower = 0, overwrite = 1)"
)


# On a DuckLake catalog, where the extension cannot make its index, khabar makes the same tables itself (empty,
# then grown by `_add_to_index` like any index): search reads only these tables, never the extension's macros.
_TABLES = (
    "CREATE SCHEMA IF NOT EXISTS {s}",
    "CREATE TABLE {s}.docs (docid BIGINT, name VARCHAR, len BIGINT)",
    "CREATE TABLE {s}.terms (docid BIGINT, fieldid BIGINT, termid BIGINT)",
    "CREATE TABLE {s}.dict (termid BIGINT, term VARCHAR, df BIGINT)",
    "CREATE TABLE {s}.stats (num_docs BIGINT, avgdl DOUBLE)",
    "CREATE TABLE {s}.fields (fieldid BIGINT, field VARCHAR)",
    "INSERT INTO {s}.fields VALUES (0, 'title'), (1, 'lede'), (2, 'body')",
)

# Articles holding all of an unquoted query's words are checked for the words as a phrase (which ranks
# first) among this many best by BM25, so a query of common words does not read every body.
BONUS_POOL = 500


class SearchUnavailable(RuntimeError):
    """The fts extension cannot be loaded, or the warehouse has no index yet."""


def fts_extension() -> Path | None:
    """The extension file the `duckdb-extension-fts` wheel installs for this duckdb, if it is installed."""
    spec = importlib.util.find_spec("duckdb_extension_fts")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "extensions" / f"v{duckdb.__version__}"
    path /= "fts.duckdb_extension"
    return path if path.is_file() else None


def load_fts(con: duckdb.DuckDBPyConnection) -> bool:
    """Load the fts extension into `con`: from the wheel's file, else as DuckDB finds it (already installed
    in ~/.duckdb). False when neither works; never downloads."""
    path = fts_extension()
    try:
        if path is not None:
            con.execute("LOAD '" + str(path).replace("'", "''") + "'")
        else:
            con.execute("SET autoinstall_known_extensions = false")
            con.execute("LOAD fts")
    except duckdb.Error:
        return False
    return True


def index_search(
    con: duckdb.DuckDBPyConnection, log: Callable[[str], None] = lambda _: None, lake: bool = False
) -> float | None:
    """In the writer's transaction: fold what `article_search` lacks (articles loaded before it existed),
    then build the full-text index, or add the articles it lacks. Seconds that took; None when the extension
    is missing. On a DuckLake (`lake`) the index's tables are made empty and grown, without the extension."""
    missing = con.execute(  # by rowid: the texts of the rows found are read, not the whole archive's
        "SELECT article_id, title, lede, body FROM articles WHERE rowid IN "
        "(SELECT a.rowid FROM articles a ANTI JOIN article_search s USING (article_id))"
    ).fetchall()
    if missing:
        folded = pa.table(
            {
                "article_id": [row[0] for row in missing],
                "title": [search_key(row[1]) for row in missing],
                "lede": [search_key(row[2]) for row in missing],
                "body": [search_key(row[3]) for row in missing],
            }
        )
        with registered(con, folded_search=folded):
            con.execute("INSERT INTO article_search SELECT * FROM folded_search")
        log(f"search: folded {len(missing)} articles stored before search existed")
    started = time.perf_counter()
    if lake and not _has_index(con):
        for statement in _TABLES:
            con.execute(statement.format(s=INDEX_SCHEMA))
    elif not lake and not load_fts(con):
        log("search: the fts extension is not installed (pip install duckdb-extension-fts); index not built")
        return None
    if _has_index(con):
        added = _add_to_index(con)
        seconds = time.perf_counter() - started
        log(f"search: {added} articles added to the index in {seconds:.2f} s")
    else:
        con.execute(_INDEX)
        seconds = time.perf_counter() - started
        log(f"search: index built in {seconds:.2f} s")
    return seconds


def _has_index(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'stats'", [INDEX_SCHEMA]
        ).fetchall()[0][0]
    )


def _add_to_index(con: duckdb.DuckDBPyConnection) -> int:
    """Add the articles of `article_search` the index lacks, as create_fts_index would have indexed them, in
    time proportional to them, not to the archive (the extension itself can only rebuild the whole index).
    The folded text holds words separated by single spaces, so splitting on spaces is the configured
    tokenizer. docs: one row per article, len its words; terms: one row per word and field; dict: one row per
    word, df the articles holding it; stats: their number and mean length."""
    s = INDEX_SCHEMA
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE index_fresh AS
        SELECT (SELECT coalesce(max(docid), 0) FROM {s}.docs) + row_number() OVER (ORDER BY article_id) AS docid, *
        FROM article_search WHERE rowid IN  -- by rowid: only the new rows' texts are read
            (SELECT a.rowid FROM article_search a ANTI JOIN {s}.docs d ON d.name = a.article_id)
        """
    )
    added, first = con.execute("SELECT count(*), min(docid) FROM index_fresh").fetchall()[0]
    if added:
        fields = con.execute(f"SELECT fieldid, field FROM {s}.fields").fetchall()
        for start in range(first, first + added, _INDEXED_AT_ONCE):  # a backlog a slice at a time
            fresh = con.execute(
                "SELECT docid, article_id, title, lede, body FROM index_fresh WHERE docid >= ? AND docid < ?",
                [start, start + _INDEXED_AT_ONCE],
            ).to_arrow_table()
            _index_words(con, fresh, fields)
        con.execute(f"DELETE FROM {s}.stats")
        con.execute(f"INSERT INTO {s}.stats SELECT count(*), avg(len) FROM {s}.docs")
    con.execute("DROP TABLE index_fresh")
    return int(added)


_INDEXED_AT_ONCE = 10_000  # articles whose words are numbered at once: a chunk's, or a slice of a backlog


def _index_words(con: duckdb.DuckDBPyConnection, fresh: pa.Table, fields: list[tuple[int, str]]) -> None:
    """The words of `fresh` (docid, article_id and the folded fields, docids consecutive) into the index's docs,
    dict and terms. The words are split on spaces and numbered in Arrow and numpy, each distinct one looked
    up once in `dict`: DuckDB only appends the rows and adds to the counts."""
    s = INDEX_SCHEMA
    docids = fresh["docid"].to_numpy()
    first, span = int(docids.min()), int(docids.max() - docids.min()) + 1
    docs, field_ids, words = [], [], []  # a chunk's 2 million words held as int32 where they can be
    for fieldid, field in fields:
        split = pc.split_pattern(fresh[field].combine_chunks(), " ")
        flat = pc.list_flatten(split)
        kept = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
        counts = pc.list_value_length(split).fill_null(0).to_numpy()
        docs.append(np.repeat((docids - first).astype(np.int32), counts)[kept])
        field_ids.append(np.full(int(kept.sum()), fieldid, np.int8))
        words.append(flat if kept.all() else flat.filter(pa.array(kept)))
        del split, flat, kept
    doc, field_id = np.concatenate(docs), np.concatenate(field_ids)
    encoded = pc.dictionary_encode(pa.concat_arrays(words))
    del docs, field_ids, words
    word, terms = encoded.indices.to_numpy(), encoded.dictionary
    pairs = word.astype(np.int64) * span + doc  # each word's number of articles: its distinct (word, article) pairs
    pairs.sort()
    df = np.bincount(pairs[np.diff(pairs, prepend=-1) != 0] // span, minlength=len(terms))
    del pairs
    with registered(con, chunk_terms=pa.table({"i": np.arange(len(terms)), "term": terms})):
        known = con.execute(f"SELECT c.i, d.termid FROM chunk_terms c JOIN {s}.dict d USING (term)").fetchnumpy()
    termid = np.full(len(terms), -1, np.int64)
    termid[known["i"]] = known["termid"]
    new, old = np.flatnonzero(termid < 0), np.flatnonzero(termid >= 0)
    top = con.execute(f"SELECT coalesce(max(termid), -1) FROM {s}.dict").fetchall()[0][0]
    new_terms = terms.take(pa.array(new))
    termid[new[pc.sort_indices(new_terms).to_numpy()]] = top + 1 + np.arange(len(new))
    tables = {
        "dict_new": pa.table({"termid": termid[new], "term": new_terms, "df": df[new]}),
        "dict_more": pa.table({"termid": termid[old], "n": df[old]}),
        "words_new": pa.table(
            {"docid": doc.astype(np.int64) + first, "fieldid": field_id, "termid": termid.astype(np.int32)[word]}
        ),
        "docs_new": pa.table(
            {"docid": docids, "name": fresh["article_id"], "len": np.bincount(doc, minlength=span)[docids - first]}
        ),
    }
    with registered(con, **tables):
        con.execute(f"INSERT INTO {s}.dict (termid, term, df) SELECT termid, term, df FROM dict_new")
        con.execute(f"UPDATE {s}.dict SET df = dict.df + m.n FROM dict_more m WHERE dict.termid = m.termid")
        con.execute(f"INSERT INTO {s}.terms (docid, fieldid, termid) SELECT docid, fieldid, termid FROM words_new")
        con.execute(f"INSERT INTO {s}.docs (docid, name, len) SELECT docid, name, len FROM docs_new")


@dataclass(frozen=True)
class StoryHit:
    story_id: str
    title: str | None
    score: float  # the best BM25 score among its matching articles
    phrase: bool  # one of them holds the query's words as a phrase
    article_id: str  # that best-scoring article
    matches: int  # its articles that match
    n_articles: int
    outlets: tuple[str, ...]  # every outlet that ran the story, first first
    first_time: datetime | None  # earliest publication (else fetch) time of its articles
    agency: str | None


@dataclass(frozen=True)
class SearchFilters:
    outlet: str | None = None
    agency: str | None = None
    since: date | None = None
    limit: int = 20


def search(
    db_path: str | Path,
    query: SearchQuery,
    filters: SearchFilters = SearchFilters(),
    log: Callable[[str], None] | None = None,
) -> list[StoryHit]:
    """Stories whose articles match `query`, best first: those holding the query as a phrase, then by BM25."""
    if query.empty:
        return []
    con = connect_read_only(db_path, log=log)
    try:
        if not is_lake(db_path) and not load_fts(con):
            raise SearchUnavailable(
                "the fts extension is not installed for this duckdb: pip install duckdb-extension-fts=="
                + duckdb.__version__
            )
        indexed = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'docs'", [INDEX_SCHEMA]
        ).fetchall()[0][0]
        if not indexed:
            raise SearchUnavailable("the warehouse has no search index yet: run `khabar ingest` once to build it")
        return _search(con, query, filters)
    finally:
        con.close()


def _search(con: duckdb.DuckDBPyConnection, query: SearchQuery, filters: SearchFilters) -> list[StoryHit]:
    tokens = query.terms.split()
    phrase_words = sorted({word for phrase in query.phrases for word in phrase.split()})
    rows = con.execute(
        f"""
        WITH qterms AS (SELECT DISTINCT unnest($tokens::VARCHAR[]) AS term),
        qt AS (SELECT d.termid, d.term, d.df FROM {INDEX_SCHEMA}.dict d JOIN qterms USING (term)),
        tf AS (
            SELECT t.docid, t.termid, count(*) AS tf FROM {INDEX_SCHEMA}.terms t
            WHERE t.termid IN (SELECT termid FROM qt) GROUP BY ALL
        ),
        scored AS (  -- BM25 as the extension's match_bm25 computes it (k = 1.2, b = 0.75), for all documents at once
            SELECT docs.name AS article_id, list(qt.term) AS found,
                   sum(log((st.num_docs - qt.df + 0.5) / (qt.df + 0.5) + 1)
                       * tf.tf * 2.2 / (tf.tf + 1.2 * (0.25 + 0.75 * docs.len / st.avgdl))) AS score
            FROM tf JOIN qt USING (termid) JOIN {INDEX_SCHEMA}.docs docs USING (docid), {INDEX_SCHEMA}.stats st
            GROUP BY docs.name
        ),
        filtered AS (
            SELECT s.article_id, m.story_id, s.score,
                   $whole <> '' AND len(s.found) = (SELECT count(*) FROM qterms) AS may_hold_whole,
                   len($phrases::VARCHAR[]) > 0 AS must_hold_phrases
            FROM scored s
            JOIN articles a USING (article_id)
            JOIN story_members m USING (article_id)
            WHERE (len($phrases::VARCHAR[]) = 0 OR list_has_all(s.found, $phrase_words::VARCHAR[]))
              AND ($outlet IS NULL OR a.outlet = $outlet)
              AND ($agency IS NULL OR a.agency = $agency)
              AND ($since IS NULL OR coalesce(a.published_at, a.fetched_at) >= timezone('Asia/Kolkata', $since::TIMESTAMP))
        ),
        checked AS (  -- the text is read only for articles that hold all the words of a phrase: for the
                      -- bonus, only the best $bonus_pool by BM25; for quoted phrases, all of them
            SELECT c.article_id,
                   c.may_hold_whole AND c.rank <= $bonus_pool AND (
                       contains(f.title, $whole) OR contains(f.lede, $whole) OR contains(f.body, $whole)) AND
                       contains(' ' || f.title || ' ' || f.lede || ' ' || f.body || ' ', ' ' || $whole || ' ') AS whole,
                   NOT c.must_hold_phrases OR list_bool_and([
                       (contains(f.title, p) OR contains(f.lede, p) OR contains(f.body, p)) AND
                       (contains(' ' || f.title || ' ', ' ' || p || ' ') OR contains(' ' || f.lede || ' ', ' ' || p || ' ')
                        OR contains(' ' || f.body || ' ', ' ' || p || ' ')) FOR p IN $phrases::VARCHAR[]]) AS phrases_ok
            FROM (
                SELECT *, row_number() OVER (ORDER BY score DESC, article_id) AS rank FROM filtered
                WHERE may_hold_whole OR must_hold_phrases
            ) c
            JOIN article_search f USING (article_id)
            WHERE c.must_hold_phrases OR c.rank <= $bonus_pool
        ),
        hits AS (
            SELECT h.article_id, h.story_id, h.score, coalesce(c.whole, false) AS phrase
            FROM filtered h LEFT JOIN checked c USING (article_id)
            WHERE NOT h.must_hold_phrases OR c.phrases_ok
        ),
        best AS (
            SELECT story_id, max(score) AS score, bool_or(phrase) AS phrase,
                   arg_max(article_id, (phrase, score)) AS article_id, count(*) AS matches
            FROM hits GROUP BY story_id
            ORDER BY phrase DESC, score DESC, story_id LIMIT $limit
        ),
        members AS (
            SELECT m.story_id, a.outlet, a.title, a.agency, m.relation,
                   coalesce(a.published_at, a.fetched_at) AS t_at
            FROM story_members m JOIN articles a USING (article_id)
            WHERE m.story_id IN (SELECT story_id FROM best)
        ),
        stories AS (
            SELECT story_id, any_value(title) FILTER (WHERE relation = 'canonical') AS title,
                   any_value(agency) FILTER (WHERE relation = 'canonical') AS agency,
                   count(*) AS n_articles, min(t_at) AS first_time
            FROM members GROUP BY story_id
        ),
        outlets AS (
            SELECT story_id, list(outlet ORDER BY t_at, outlet) AS outlets
            FROM (SELECT story_id, outlet, min(t_at) AS t_at FROM members WHERE outlet IS NOT NULL GROUP BY ALL)
            GROUP BY story_id
        )
        SELECT b.story_id, s.title, b.score, b.phrase, b.article_id, b.matches, s.n_articles,
               coalesce(o.outlets, []), s.first_time, s.agency
        FROM best b JOIN stories s USING (story_id) LEFT JOIN outlets o USING (story_id)
        ORDER BY b.phrase DESC, b.score DESC, b.story_id
        """,
        {
            "tokens": tokens,
            "whole": query.whole,
            "phrases": list(query.phrases),
            "phrase_words": phrase_words,
            "outlet": filters.outlet,
            "agency": filters.agency,
            "since": filters.since,
            "limit": filters.limit,
            "bonus_pool": max(BONUS_POOL, 10 * filters.limit),
        },
    ).fetchall()
    return [
        StoryHit(sid, title, score, phrase, aid, matches, n, tuple(outlets), first, agency)
        for sid, title, score, phrase, aid, matches, n, outlets, first, agency in rows
    ]
