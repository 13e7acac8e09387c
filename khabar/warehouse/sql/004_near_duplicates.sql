-- Near-duplicate stories: the LSH band keys of every article's MinHash signature, so a run finds
-- candidates among everything stored without loading it; the merges of stories that a new article
-- bridged; and each member's lineage against its story's canonical article.
CREATE TABLE lsh_bands (
    article_id VARCHAR NOT NULL,
    band       SMALLINT NOT NULL,
    bucket     BIGINT NOT NULL
);

CREATE TABLE story_merges (
    from_story  VARCHAR NOT NULL,  -- the story that ceased to exist
    into_story  VARCHAR NOT NULL,  -- the earlier story that absorbed it and kept its id
    via_article VARCHAR NOT NULL,  -- the new article that matched both
    run_id      VARCHAR NOT NULL,
    merged_at   TIMESTAMPTZ NOT NULL
);

ALTER TABLE story_members ADD COLUMN shared_ratio DOUBLE;          -- share of its text that is the canonical's
ALTER TABLE story_members ADD COLUMN added_paragraphs INTEGER;     -- paragraphs of its own
ALTER TABLE story_members ADD COLUMN removed_paragraphs INTEGER;   -- canonical paragraphs it leaves out
