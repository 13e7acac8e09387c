-- file only: a DuckLake has no keys, so this migration does nothing there (khabar/warehouse/migrate.py).
-- The tables that grow with the archive lose their primary keys. DuckDB keeps a key's ART index in memory for
-- every insert's check, about 0.9 KiB per stored article over these tables (64-character hex keys); at 265k
-- articles the indexes held 240 MiB of the writer's 1 GiB and a 1M backfill ran out of memory. The writer keeps
-- the keys unique by its SQL (anti-joins, delete-then-insert), as it always has on a DuckLake. DuckDB cannot
-- drop a key, so each table is rebuilt with the same columns, checks and comments.
CREATE TABLE documents_unkeyed (
    doc_id               VARCHAR NOT NULL,
    source_uri           VARCHAR NOT NULL,
    outlet               VARCHAR,
    fetched_at           TIMESTAMPTZ NOT NULL,
    byte_size            BIGINT NOT NULL,
    status               VARCHAR NOT NULL,
    reject_reason        VARCHAR,
    reject_detail        VARCHAR,
    format               VARCHAR,
    run_id               VARCHAR,
    repair_note          VARCHAR,
    CHECK (status IN ('parsed', 'rejected'))
);
INSERT INTO documents_unkeyed SELECT * FROM documents;
DROP TABLE documents;
ALTER TABLE documents_unkeyed RENAME TO documents;
COMMENT ON TABLE documents IS 'One row per distinct raw input ever seen (a file or a fetched page), parsed or rejected';
COMMENT ON COLUMN documents.doc_id IS 'sha256 hex of the raw bytes';
COMMENT ON COLUMN documents.source_uri IS 'The URL, or the file''s path as given on the command line, where it was first seen';
COMMENT ON COLUMN documents.outlet IS 'The publishing outlet when known (folder, manifest, URL host, or the text itself), else NULL';
COMMENT ON COLUMN documents.fetched_at IS 'When it was read or downloaded';
COMMENT ON COLUMN documents.byte_size IS 'Size of the raw input in bytes';
COMMENT ON COLUMN documents.status IS 'parsed or rejected';
COMMENT ON COLUMN documents.reject_reason IS 'NULL when parsed; else a short code: empty, binary, undecodable, too_large, no_article_body, not_html, http_error …';
COMMENT ON COLUMN documents.reject_detail IS 'A human-readable explanation of reject_reason';
COMMENT ON COLUMN documents.format IS 'How it was read: text, html or jsonl';
COMMENT ON COLUMN documents.run_id IS 'The run that loaded it (runs.run_id)';
COMMENT ON COLUMN documents.repair_note IS 'What had to be repaired to read the input (stray control bytes stripped, lost mojibake characters restored), else NULL';

CREATE TABLE articles_unkeyed (
    article_id           VARCHAR NOT NULL,
    doc_id               VARCHAR NOT NULL,
    source_uri           VARCHAR NOT NULL,
    outlet               VARCHAR,
    title                VARCHAR,
    lede                 VARCHAR,
    body                 VARCHAR NOT NULL,
    agency               VARCHAR,
    author               VARCHAR,
    dateline_place       VARCHAR,
    dateline_date        DATE,
    published_at         TIMESTAMPTZ,
    "language"           VARCHAR,
    word_count           INTEGER NOT NULL,
    body_sha256          VARCHAR NOT NULL,
    fetched_at           TIMESTAMPTZ NOT NULL,
    ingested_at          TIMESTAMPTZ NOT NULL,
    run_id               VARCHAR NOT NULL,
    truncated            BOOLEAN DEFAULT false,
    published_precision  VARCHAR,
    published_source     VARCHAR,
    dateline_day         TINYINT,
    dateline_month       TINYINT,
    dateline_year_source VARCHAR
);
INSERT INTO articles_unkeyed SELECT * FROM articles;
DROP TABLE articles;
ALTER TABLE articles_unkeyed RENAME TO articles;
COMMENT ON TABLE articles IS 'One row per parsed document: the clean article and its metadata';
COMMENT ON COLUMN articles.article_id IS 'Stable id: the doc_id of its document';
COMMENT ON COLUMN articles.doc_id IS 'Its document (documents.doc_id)';
COMMENT ON COLUMN articles.source_uri IS 'As in documents: the URL or path it was read from';
COMMENT ON COLUMN articles.outlet IS 'The publishing outlet when known, else NULL';
COMMENT ON COLUMN articles.title IS 'Headline without category prefixes or site names';
COMMENT ON COLUMN articles.lede IS 'Summary or standfirst when the dump has one, else NULL';
COMMENT ON COLUMN articles.body IS 'The clean article text, paragraphs separated by one blank line; none of the page''s boilerplate';
COMMENT ON COLUMN articles.agency IS 'Wire agency credited: IANS, HS (Hindusthan Samachar), PTI, UNI, ANI, AGENCY (an unnamed एजेंसी), or NULL';
COMMENT ON COLUMN articles.author IS 'The byline''s person, when one is named';
COMMENT ON COLUMN articles.dateline_place IS 'Place of the dateline (वाशिंगटन, 12 जुलाई (आईएएनएस)। gives वाशिंगटन)';
COMMENT ON COLUMN articles.dateline_date IS 'Date of the dateline; NULL when its year is unknown';
COMMENT ON COLUMN articles.published_at IS 'Publication time from the best source there is; NULL when unknown';
COMMENT ON COLUMN articles.language IS 'ISO 639-1 code of the body';
COMMENT ON COLUMN articles.word_count IS 'Words in body';
COMMENT ON COLUMN articles.body_sha256 IS 'sha256 of the normalized body: equal for exact duplicates';
COMMENT ON COLUMN articles.fetched_at IS 'When its document was read or downloaded';
COMMENT ON COLUMN articles.ingested_at IS 'When it was loaded';
COMMENT ON COLUMN articles.run_id IS 'The run that loaded it (runs.run_id)';
COMMENT ON COLUMN articles.truncated IS 'The input was cut short by its source (a news API''s "… [N chars]")';
COMMENT ON COLUMN articles.published_precision IS 'How precise published_at is: datetime, date (a day in Asia/Kolkata), month, or NULL when unknown';
COMMENT ON COLUMN articles.published_source IS 'Where published_at came from: jsonld, meta, feed, sitemap, record, dump_text or dateline';
COMMENT ON COLUMN articles.dateline_day IS 'Day of month the dateline states, even when its year is unknown';
COMMENT ON COLUMN articles.dateline_month IS 'Month the dateline states, even when its year is unknown';
COMMENT ON COLUMN articles.dateline_year_source IS 'Where the dateline''s year came from: printed, published (the article''s own date), story (a dated member), weekday; NULL when dateline_date is NULL';

CREATE TABLE sightings_unkeyed (
    doc_id               VARCHAR NOT NULL,
    source_uri           VARCHAR NOT NULL,
    outlet               VARCHAR,
    seen_at              TIMESTAMPTZ NOT NULL,
    run_id               VARCHAR NOT NULL
);
INSERT INTO sightings_unkeyed SELECT * FROM sightings;
DROP TABLE sightings;
ALTER TABLE sightings_unkeyed RENAME TO sightings;
COMMENT ON TABLE sightings IS 'Every place a document was found: identical bytes in several outlets'' folders are one document seen several times';
COMMENT ON COLUMN sightings.doc_id IS 'The document';
COMMENT ON COLUMN sightings.source_uri IS 'Where it was seen';
COMMENT ON COLUMN sightings.outlet IS 'The outlet of that place, when known';
COMMENT ON COLUMN sightings.seen_at IS 'When it was seen there';
COMMENT ON COLUMN sightings.run_id IS 'The run that saw it';

CREATE TABLE input_files_unkeyed (
    source_uri           VARCHAR NOT NULL,
    size                 BIGINT NOT NULL,
    mtime_ns             BIGINT NOT NULL,
    documents            INTEGER NOT NULL,
    run_id               VARCHAR NOT NULL
);
INSERT INTO input_files_unkeyed SELECT * FROM input_files;
DROP TABLE input_files;
ALTER TABLE input_files_unkeyed RENAME TO input_files;
COMMENT ON TABLE input_files IS 'Input files whose documents are stored, as they were when read: a later run skips a file unchanged since (same path, size and modification time)';
COMMENT ON COLUMN input_files.source_uri IS 'the path as found, the source_uri of its documents (a JSONL file: without #L)';
COMMENT ON COLUMN input_files.size IS 'bytes, when read';
COMMENT ON COLUMN input_files.mtime_ns IS 'modification time when read, nanoseconds since 1970-01-01 UTC';
COMMENT ON COLUMN input_files.documents IS 'documents read from it (a JSONL file: its lines); a run that skips the file counts them in docs_seen';
COMMENT ON COLUMN input_files.run_id IS 'the run that read it';

CREATE TABLE story_members_unkeyed (
    article_id           VARCHAR NOT NULL,
    story_id             VARCHAR NOT NULL,
    relation             VARCHAR NOT NULL,
    similarity           DOUBLE NOT NULL,
    joined_at            TIMESTAMPTZ NOT NULL,
    run_id               VARCHAR NOT NULL,
    shared_ratio         DOUBLE,
    added_paragraphs     INTEGER,
    removed_paragraphs   INTEGER,
    CHECK (relation IN ('canonical', 'exact', 'near'))
);
INSERT INTO story_members_unkeyed SELECT * FROM story_members;
DROP TABLE story_members;
ALTER TABLE story_members_unkeyed RENAME TO story_members;
COMMENT ON TABLE story_members IS 'Which story each article belongs to: republications of the same copy share a story';
COMMENT ON COLUMN story_members.article_id IS 'The article';
COMMENT ON COLUMN story_members.story_id IS 'The story: the article_id of its earliest-seen member, stable across runs';
COMMENT ON COLUMN story_members.relation IS 'canonical, exact (same normalized body) or near';
COMMENT ON COLUMN story_members.similarity IS 'Similarity to the canonical article, 1.0 for the canonical itself';
COMMENT ON COLUMN story_members.joined_at IS 'When the article joined the story';
COMMENT ON COLUMN story_members.run_id IS 'The run that placed it';
COMMENT ON COLUMN story_members.shared_ratio IS 'Share of its text that is the canonical''s';
COMMENT ON COLUMN story_members.added_paragraphs IS 'Paragraphs of its own, not in the canonical';
COMMENT ON COLUMN story_members.removed_paragraphs IS 'Canonical paragraphs it leaves out';

CREATE TABLE removed_blocks_unkeyed (
    article_id           VARCHAR NOT NULL,
    seq                  INTEGER NOT NULL,
    kind                 VARCHAR NOT NULL,
    "text"               VARCHAR NOT NULL,
    template_stories     INTEGER
);
INSERT INTO removed_blocks_unkeyed SELECT * FROM removed_blocks;
DROP TABLE removed_blocks;
ALTER TABLE removed_blocks_unkeyed RENAME TO removed_blocks;
COMMENT ON TABLE removed_blocks IS 'What cleaning took out of each article, for audit';
COMMENT ON COLUMN removed_blocks.article_id IS 'The article';
COMMENT ON COLUMN removed_blocks.seq IS 'Order in the original';
COMMENT ON COLUMN removed_blocks.kind IS 'disclaimer, related, byline, agency_credit, tags, share, navigation, repeated_title, timestamp, comment_prompt, category_label, template (a line the outlet prints under many stories) or other';
COMMENT ON COLUMN removed_blocks.text IS 'The removed text';
COMMENT ON COLUMN removed_blocks.template_stories IS 'For a template block: the number of the outlet''s independent stories of its own (follow-ups counted with their story) that printed it when it was removed';

CREATE TABLE article_search_unkeyed (
    article_id           VARCHAR NOT NULL,
    title                VARCHAR NOT NULL,
    lede                 VARCHAR NOT NULL,
    body                 VARCHAR NOT NULL
);
INSERT INTO article_search_unkeyed SELECT * FROM article_search;
DROP TABLE article_search;
ALTER TABLE article_search_unkeyed RENAME TO article_search;
COMMENT ON TABLE article_search IS 'Title, lede and body of each article folded for search (nukta, chandrabindu, Devanagari digits, zero-width characters, case, punctuation): the text `khabar search` indexes and matches phrases in';
COMMENT ON COLUMN article_search.article_id IS 'The article (articles.article_id)';
COMMENT ON COLUMN article_search.title IS 'articles.title folded: words separated by single spaces; empty when there is none';
COMMENT ON COLUMN article_search.lede IS 'articles.lede folded; empty when there is none';
COMMENT ON COLUMN article_search.body IS 'articles.body folded, paragraphs run together';

CREATE TABLE outlet_templates_unkeyed (
    outlet               VARCHAR NOT NULL,
    fingerprint          BIGINT NOT NULL,
    n_stories            INTEGER NOT NULL,
    "sample"             VARCHAR NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
INSERT INTO outlet_templates_unkeyed SELECT * FROM outlet_templates;
DROP TABLE outlet_templates;
ALTER TABLE outlet_templates_unkeyed RENAME TO outlet_templates;
COMMENT ON TABLE outlet_templates IS 'Per outlet and unit fingerprint, under how many independent stories of its own the outlet printed it (a story and its follow-ups count once; a story whose other outlets'' copies print the unit too does not count); from KHABAR_TEMPLATE_MIN_STORIES on it is a template';
COMMENT ON COLUMN outlet_templates.outlet IS 'The outlet';
COMMENT ON COLUMN outlet_templates.fingerprint IS 'The unit''s fingerprint, as in zone_units';
COMMENT ON COLUMN outlet_templates.n_stories IS 'Independent stories of its own whose articles of this outlet carry the unit: follow-ups counted with their story, and only the families with a story whose copies from other outlets do not carry it';
COMMENT ON COLUMN outlet_templates.sample IS 'One text of the unit';
COMMENT ON COLUMN outlet_templates.updated_at IS 'When the count was last made';
