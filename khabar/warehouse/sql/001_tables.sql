-- The contract's tables (../shared/CONTRACT.md), plus columns for lineage of each row to its run.
CREATE TABLE documents (
    doc_id        VARCHAR PRIMARY KEY,        -- sha256 hex of the raw bytes
    source_uri    VARCHAR NOT NULL,
    outlet        VARCHAR,
    fetched_at    TIMESTAMPTZ NOT NULL,
    byte_size     BIGINT NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('parsed', 'rejected')),
    reject_reason VARCHAR,
    reject_detail VARCHAR,                    -- a human-readable explanation of reject_reason
    format        VARCHAR,                    -- text, html or jsonl
    run_id        VARCHAR
);

CREATE TABLE articles (
    article_id     VARCHAR PRIMARY KEY,
    doc_id         VARCHAR NOT NULL,
    source_uri     VARCHAR NOT NULL,
    outlet         VARCHAR,
    title          VARCHAR,
    lede           VARCHAR,
    body           VARCHAR NOT NULL,
    agency         VARCHAR,
    author         VARCHAR,
    dateline_place VARCHAR,
    dateline_date  DATE,
    published_at   TIMESTAMPTZ,
    language       VARCHAR,
    word_count     INTEGER NOT NULL,
    body_sha256    VARCHAR NOT NULL,
    fetched_at     TIMESTAMPTZ NOT NULL,
    ingested_at    TIMESTAMPTZ NOT NULL,
    run_id         VARCHAR NOT NULL
);

CREATE TABLE removed_blocks (
    article_id VARCHAR NOT NULL,
    seq        INTEGER NOT NULL,
    kind       VARCHAR NOT NULL,
    text       VARCHAR NOT NULL,
    PRIMARY KEY (article_id, seq)
);

CREATE TABLE story_members (
    article_id VARCHAR PRIMARY KEY,
    story_id   VARCHAR NOT NULL,
    relation   VARCHAR NOT NULL CHECK (relation IN ('canonical', 'exact', 'near')),
    similarity DOUBLE NOT NULL,
    joined_at  TIMESTAMPTZ NOT NULL,
    run_id     VARCHAR NOT NULL
);

CREATE TABLE runs (
    run_id          VARCHAR PRIMARY KEY,
    flow_run_id     VARCHAR,
    flow_name       VARCHAR NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    status          VARCHAR NOT NULL,
    params          JSON,
    docs_seen       BIGINT,
    docs_new        BIGINT,
    docs_rejected   BIGINT,
    articles_loaded BIGINT,
    near_duplicates BIGINT,
    stories_new     BIGINT,
    error           VARCHAR
);
