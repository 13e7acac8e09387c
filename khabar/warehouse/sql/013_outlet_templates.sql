-- Outlet templates learned from the archive (khabar/text/templates.py, khabar/warehouse/templates.py).
-- zone_units: the head and tail units (paragraphs, trailing sentences) of each article's body as cleaning
-- left it, with their fingerprints; `removed` once a learned template took the unit out of the body.
CREATE TABLE zone_units (
    article_id  VARCHAR NOT NULL,
    fingerprint BIGINT NOT NULL,
    zone        VARCHAR NOT NULL,    -- head, tail or sentence
    text        VARCHAR NOT NULL,
    removed     BOOLEAN NOT NULL DEFAULT false
);
-- Per outlet and fingerprint: under how many distinct stories the outlet printed the unit. At
-- KHABAR_TEMPLATE_MIN_STORIES or more it is the outlet's template, removed as kind 'template'.
CREATE TABLE outlet_templates (
    outlet      VARCHAR NOT NULL,
    fingerprint BIGINT NOT NULL,
    n_stories   INTEGER NOT NULL,
    sample      VARCHAR NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (outlet, fingerprint)
);
-- For a 'template' block: the number of the outlet's stories that printed it when it was removed.
ALTER TABLE removed_blocks ADD COLUMN template_stories INTEGER;
