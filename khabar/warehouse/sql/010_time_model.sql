-- The time model (docs/time-model.md). published_at now says how precise it is and where it came from;
-- a dateline keeps its day and month even when its year is unknown (dateline_date NULL then).
-- published_precision: datetime, date (the start of that day in Asia/Kolkata), month; NULL when unknown.
-- published_source: jsonld, meta, feed, sitemap, record, dump_text or dateline.
-- Rows loaded before this migration keep NULL in all four: their published_at came from the page, the
-- record or the dump's text without the source being noted, and their dateline years may be the run's.
ALTER TABLE articles ADD COLUMN published_precision VARCHAR;
ALTER TABLE articles ADD COLUMN published_source VARCHAR;
ALTER TABLE articles ADD COLUMN dateline_day TINYINT;
ALTER TABLE articles ADD COLUMN dateline_month TINYINT;
