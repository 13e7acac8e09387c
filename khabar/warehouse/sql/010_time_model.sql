-- The time model (docs/time-model.md). published_at now says how precise it is and where it came from;
-- a dateline keeps its day and month even when its year is unknown (dateline_date NULL then), and says
-- where its year came from.
-- published_precision: datetime, date (the start of that day in Asia/Kolkata), month; NULL when unknown.
-- published_source: jsonld, meta, feed, sitemap, record, dump_text or dateline.
-- dateline_year_source: printed (in the dateline), published (the article's own publication date),
-- story (a dated member of its story), weekday (the one candidate year its paragraph's weekday fits).
-- Rows loaded before this migration keep NULL in all five: their published_at came from the page, the
-- record or the dump's text without the source being noted, and their dateline years may be the run's.
ALTER TABLE articles ADD COLUMN published_precision VARCHAR;
ALTER TABLE articles ADD COLUMN published_source VARCHAR;
ALTER TABLE articles ADD COLUMN dateline_day TINYINT;
ALTER TABLE articles ADD COLUMN dateline_month TINYINT;
ALTER TABLE articles ADD COLUMN dateline_year_source VARCHAR;
