-- article_shingles becomes what a run needs of each stored article to verify it as a candidate and to
-- work out lineage against it without reading its body (khabar/tasks/compact.py): the top 32 bits of
-- the hash of each n-word window of the body, in order, as little-endian UINTEGERs; the words in each
-- paragraph; the same hash of each paragraph too short for a window; the numbers the body states.
-- The table is derived data: rows dropped here are made again from the bodies when first needed.
-- Append-only and without an index, so a run's checkpoint writes only the new rows.
DROP TABLE article_shingles;
CREATE TABLE article_shingles (
    article_id      VARCHAR NOT NULL,
    windows         BLOB NOT NULL,
    paragraph_words INTEGER[] NOT NULL,
    short_windows   BLOB NOT NULL,
    numbers         VARCHAR[] NOT NULL
);
