-- Each article's shingle set, so a run verifies its candidates without reading their bodies: the top
-- 32 bits of the body's sorted unique shingle hashes as little-endian UINTEGERs, and the numbers the body
-- states. Append-only and without an index, so a run's checkpoint writes only the new rows.
CREATE TABLE article_shingles (
    article_id VARCHAR NOT NULL,
    shingles   BLOB NOT NULL,
    numbers    VARCHAR[] NOT NULL
);
