-- One row per story, described by its canonical member.
CREATE OR REPLACE VIEW stories AS
SELECT
    m.story_id,
    any_value(a.title) FILTER (WHERE m.relation = 'canonical')  AS title,
    any_value(a.agency) FILTER (WHERE m.relation = 'canonical') AS agency,
    min(a.fetched_at)                                           AS first_seen,
    count(*)                                                    AS n_articles,
    count(DISTINCT a.outlet)                                    AS n_outlets,
    list_sort(list_distinct(list(a.outlet) FILTER (WHERE a.outlet IS NOT NULL))) AS outlets
FROM story_members m
JOIN articles a USING (article_id)
GROUP BY m.story_id;
