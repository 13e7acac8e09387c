-- How a story spread (docs/spread.md): links between stories that are related but not one, each member's
-- paragraphs against its story's canonical copy, one name per outlet, and the spread views.

-- A later story that repeats an earlier one with new figures, or copies it past the publication window.
CREATE TABLE story_links (
    from_story VARCHAR NOT NULL,   -- the later story
    to_story   VARCHAR NOT NULL,   -- the earlier story it repeats
    kind       VARCHAR NOT NULL CHECK (kind IN ('follow_up')),
    similarity DOUBLE NOT NULL,    -- shingle Jaccard of the two copies that linked them
    run_id     VARCHAR NOT NULL,
    linked_at  TIMESTAMPTZ NOT NULL
);

-- Lineage paragraph by paragraph, for members of stories of more than one article: seq is the member's
-- paragraph (0-based, NULL for a canonical paragraph it dropped), canonical_seq the canonical's paragraph
-- it copies (NULL for one of its own). Worked out again whenever the story's canonical changes.
CREATE TABLE member_paragraphs (
    article_id    VARCHAR NOT NULL,
    story_id      VARCHAR NOT NULL,
    seq           INTEGER,
    canonical_seq INTEGER,
    status        VARCHAR NOT NULL CHECK (status IN ('kept', 'edited', 'added', 'dropped'))
);

-- One name per outlet: views report `outlet` for every `alias` (matched regardless of case). Edit with the duckdb CLI.
CREATE TABLE outlet_aliases (
    alias  VARCHAR PRIMARY KEY,
    outlet VARCHAR NOT NULL
);
INSERT INTO outlet_aliases VALUES
    ('bhaskarhindi.com', 'BhaskarHindi'),
    ('www.bhaskarhindi.com', 'BhaskarHindi'),
    ('bhaskar.com', 'Dainik Bhaskar'),
    ('www.bhaskar.com', 'Dainik Bhaskar'),
    ('amarujala.com', 'Amar Ujala'),
    ('www.amarujala.com', 'Amar Ujala'),
    ('jagran.com', 'Dainik Jagran'),
    ('www.jagran.com', 'Dainik Jagran'),
    ('livehindustan.com', 'Dainik Hindustan'),
    ('www.livehindustan.com', 'Dainik Hindustan'),
    ('navbharattimes.indiatimes.com', 'Navbharat Times'),
    ('prabhatkhabar.com', 'Prabhat Khabar'),
    ('www.prabhatkhabar.com', 'Prabhat Khabar'),
    ('hindusthansamachar.in', 'Hindusthan Samachar'),
    ('www.hindusthansamachar.in', 'Hindusthan Samachar');

-- Every copy of every story with its outlet's canonical name: the articles, and the other outlets' folders
-- where the same bytes were found (sightings). `best_time`: published_at when known, else when it was fetched.
-- A publication year that is only a weekday's guess is no publication time here, as in grouping (the
-- article keeps it, dateline_year_source = 'weekday').
CREATE OR REPLACE VIEW story_copies AS
WITH dated AS (
    SELECT a.*, a.published_source = 'dateline' AND a.dateline_year_source = 'weekday' AS guessed FROM articles a
), copies AS (
    SELECT m.story_id, a.outlet, a.article_id, a.source_uri,
        CASE WHEN a.guessed THEN NULL ELSE a.published_at END AS published_at,
        CASE WHEN a.guessed THEN NULL ELSE a.published_precision END AS published_precision,
        a.fetched_at AS first_seen, m.relation, m.shared_ratio
    FROM story_members m JOIN dated a USING (article_id)
    UNION ALL
    SELECT m.story_id, s.outlet, a.article_id, s.source_uri,
        CASE WHEN a.guessed THEN NULL ELSE a.published_at END,
        CASE WHEN a.guessed THEN NULL ELSE a.published_precision END, s.seen_at, m.relation, m.shared_ratio
    FROM story_members m JOIN dated a USING (article_id)
    JOIN sightings s ON s.doc_id = a.doc_id AND s.source_uri <> a.source_uri AND s.outlet IS NOT NULL
)
SELECT c.story_id, coalesce(x.outlet, c.outlet) AS outlet, c.article_id, c.source_uri, c.published_at,
    c.published_precision, c.first_seen, coalesce(c.published_at, c.first_seen) AS best_time, c.relation, c.shared_ratio
FROM copies c LEFT JOIN outlet_aliases x ON lower(x.alias) = lower(c.outlet);

-- One row per story and outlet (its earliest copy there), ranked by publication time as the canonical is
-- chosen: by day in India, on one day a copy with a time before one with only the date (whose time that day
-- is unknown; its published_at is the day's 00:00), copies whose time is unknown last (by when they were
-- seen). lag_minutes after the rank-1 copy, NULL when either time is unknown; in whole days (1440 a day)
-- when either has only a date.
-- Top-level files have no outlet: their row shows outlet NULL.
CREATE OR REPLACE VIEW story_outlets AS
WITH firsts AS (
    SELECT *, CAST(timezone('Asia/Kolkata', published_at) AS DATE) AS ist_day FROM story_copies
    QUALIFY row_number() OVER (
        PARTITION BY story_id, outlet ORDER BY ist_day NULLS LAST, published_precision = 'date', published_at,
            first_seen, source_uri
    ) = 1
), ranked AS (
    SELECT *, row_number() OVER w AS rank, first_value(published_at) OVER w AS first_at,
        first_value(published_precision) OVER w AS first_precision, first_value(ist_day) OVER w AS first_day
    FROM firsts
    WINDOW w AS (
        PARTITION BY story_id ORDER BY ist_day NULLS LAST, published_precision = 'date', published_at, first_seen,
            outlet NULLS LAST, source_uri
    )
)
SELECT story_id, outlet, article_id, source_uri, published_at, published_precision, first_seen, rank,
    CASE
        WHEN published_at IS NULL OR first_at IS NULL THEN NULL
        WHEN published_precision = 'date' OR first_precision = 'date'
            THEN 1440 * date_diff('day', first_day, ist_day)  -- a date alone: whole days
        ELSE CAST(round(date_diff('second', first_at, published_at) / 60.0) AS BIGINT)
    END AS lag_minutes,
    relation, shared_ratio
FROM ranked;

-- Stories: n_outlets counts named outlets, and a story of top-level files only counts as one outlet
-- (unnamed: `outlets` is empty); first_published, last_published, span_minutes from known publication times
-- (not a year guessed from a weekday).
CREATE OR REPLACE VIEW stories AS
WITH outlets AS (
    SELECT story_id, count(DISTINCT outlet) AS named,
        coalesce(list_sort(list(DISTINCT outlet) FILTER (WHERE outlet IS NOT NULL)), []) AS outlets
    FROM story_copies GROUP BY story_id
)
SELECT
    m.story_id,
    any_value(a.title) FILTER (WHERE m.relation = 'canonical')  AS title,
    any_value(a.agency) FILTER (WHERE m.relation = 'canonical') AS agency,
    min(a.fetched_at)                                           AS first_seen,
    count(*)                                                    AS n_articles,
    greatest(any_value(o.named), 1)                             AS n_outlets,
    any_value(o.outlets)                                        AS outlets,
    min(k.published_at)                                         AS first_published,
    max(k.published_at)                                         AS last_published,
    CAST(date_diff('second', min(k.published_at), max(k.published_at)) / 60 AS BIGINT) AS span_minutes
FROM story_members m
JOIN articles a USING (article_id)
JOIN outlets o USING (story_id)
CROSS JOIN LATERAL (  -- a year only a weekday's guess is no publication time (as in story_copies)
    SELECT CASE WHEN a.published_source = 'dateline' AND a.dateline_year_source = 'weekday' THEN NULL
        ELSE a.published_at END AS published_at
) k
GROUP BY m.story_id;
