-- Every place a document was found: the same bytes in several outlets' folders are one document
-- (doc_id is the hash of the bytes) but each place is kept, and counts toward its story's outlets.
CREATE TABLE sightings (
    doc_id     VARCHAR NOT NULL,
    source_uri VARCHAR NOT NULL,
    outlet     VARCHAR,
    seen_at    TIMESTAMPTZ NOT NULL,
    run_id     VARCHAR NOT NULL,
    PRIMARY KEY (doc_id, source_uri)
);

CREATE OR REPLACE VIEW stories AS
WITH member_outlets AS (
    SELECT m.story_id, a.outlet FROM story_members m JOIN articles a USING (article_id)
    UNION
    SELECT m.story_id, s.outlet FROM story_members m JOIN sightings s ON s.doc_id = m.article_id
)
SELECT
    m.story_id,
    any_value(a.title) FILTER (WHERE m.relation = 'canonical')  AS title,
    any_value(a.agency) FILTER (WHERE m.relation = 'canonical') AS agency,
    min(a.fetched_at)                                           AS first_seen,
    count(*)                                                    AS n_articles,
    (SELECT count(DISTINCT o.outlet) FROM member_outlets o WHERE o.story_id = m.story_id) AS n_outlets,
    (SELECT coalesce(list_sort(list(DISTINCT o.outlet) FILTER (WHERE o.outlet IS NOT NULL)), [])
       FROM member_outlets o WHERE o.story_id = m.story_id)    AS outlets
FROM story_members m
JOIN articles a USING (article_id)
GROUP BY m.story_id;
