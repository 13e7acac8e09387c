-- Fetching: one row per URL fetched in a run (feeds, sitemaps and article pages), landed or failed.
-- Conditional GETs take their validators from here; a landed or permanently failed page is not fetched
-- again; a page that failed for a passing reason (timeout, 5xx, 429) is retried by later runs.
CREATE TABLE fetches (
    url           VARCHAR NOT NULL,      -- normalized URL asked for
    final_url     VARCHAR NOT NULL,      -- after redirects; documents.source_uri of a landed page
    source        VARCHAR,               -- the sources file's name for the outlet
    kind          VARCHAR NOT NULL CHECK (kind IN ('feed', 'sitemap', 'page')),
    outcome       VARCHAR NOT NULL CHECK (outcome IN ('landed', 'listed', 'not_modified', 'failed')),
    reason        VARCHAR,               -- when failed: http_error, timeout, too_large, not_html, robots, ...
    detail        VARCHAR,
    http_status   INTEGER,
    attempts      INTEGER NOT NULL,
    seconds       DOUBLE NOT NULL,
    doc_id        VARCHAR,               -- the landed document
    etag          VARCHAR,
    last_modified VARCHAR,
    retryable     BOOLEAN NOT NULL,
    fetched_at    TIMESTAMPTZ NOT NULL,
    run_id        VARCHAR NOT NULL
);
