-- What every table, view and column means, readable from SQL (duckdb_tables(), duckdb_views(),
-- duckdb_columns(); `khabar sql` adds the comment to DESCRIBE), and the folded text behind `khabar search`.
-- A view recreated by a later migration loses its comments: that migration repeats them.

-- Search: title, lede and body of each article folded as matching folds them (khabar/text/normalize.py
-- match_key: NFC, nukta dropped, chandrabindu as anusvara, Devanagari digits as ASCII, zero-width characters
-- dropped, casefolded, words separated by single spaces). Written by the load with its articles; the
-- full-text index of the fts extension (schema fts_main_article_search) is built over it.
CREATE TABLE article_search (
    article_id VARCHAR PRIMARY KEY,
    title      VARCHAR NOT NULL,
    lede       VARCHAR NOT NULL,
    body       VARCHAR NOT NULL
);
COMMENT ON TABLE article_search IS 'Title, lede and body of each article folded for search (nukta, chandrabindu, Devanagari digits, zero-width characters, case, punctuation): the text `khabar search` indexes and matches phrases in';
COMMENT ON COLUMN article_search.article_id IS 'The article (articles.article_id)';
COMMENT ON COLUMN article_search.title IS 'articles.title folded: words separated by single spaces; empty when there is none';
COMMENT ON COLUMN article_search.lede IS 'articles.lede folded; empty when there is none';
COMMENT ON COLUMN article_search.body IS 'articles.body folded, paragraphs run together';

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

COMMENT ON TABLE removed_blocks IS 'What cleaning took out of each article, for audit';
COMMENT ON COLUMN removed_blocks.article_id IS 'The article';
COMMENT ON COLUMN removed_blocks.seq IS 'Order in the original';
COMMENT ON COLUMN removed_blocks.kind IS 'disclaimer, related, byline, agency_credit, tags, share, navigation, repeated_title, timestamp, comment_prompt, category_label, template (a line the outlet prints under many stories) or other';
COMMENT ON COLUMN removed_blocks.text IS 'The removed text';

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

COMMENT ON VIEW stories IS 'One row per story, described by its canonical member';
COMMENT ON COLUMN stories.story_id IS 'The story (story_members.story_id)';
COMMENT ON COLUMN stories.title IS 'Title of the canonical member';
COMMENT ON COLUMN stories.agency IS 'Agency credited by the canonical member';
COMMENT ON COLUMN stories.first_seen IS 'Earliest fetched_at of its members';
COMMENT ON COLUMN stories.n_articles IS 'Members (articles) of the story';
COMMENT ON COLUMN stories.n_outlets IS 'Distinct outlets that ran it, sightings of identical bytes included';
COMMENT ON COLUMN stories.outlets IS 'Those outlets, a sorted LIST of names';

COMMENT ON TABLE runs IS 'One row per flow run that loaded, or tried to load, the warehouse';
COMMENT ON COLUMN runs.run_id IS 'khabar''s id of the run';
COMMENT ON COLUMN runs.flow_run_id IS 'The Prefect flow run id, when there is one';
COMMENT ON COLUMN runs.flow_name IS 'ingest-dumps, fetch-and-ingest, …';
COMMENT ON COLUMN runs.started_at IS 'When the run started';
COMMENT ON COLUMN runs.finished_at IS 'When its load committed or failed';
COMMENT ON COLUMN runs.status IS 'completed or failed';
COMMENT ON COLUMN runs.params IS 'The run''s parameters (JSON)';
COMMENT ON COLUMN runs.docs_seen IS 'Inputs seen, already-known ones included';
COMMENT ON COLUMN runs.docs_new IS 'Documents new to the warehouse';
COMMENT ON COLUMN runs.docs_rejected IS 'New documents rejected';
COMMENT ON COLUMN runs.articles_loaded IS 'Articles loaded';
COMMENT ON COLUMN runs.near_duplicates IS 'Loaded articles that joined a story as near-duplicates';
COMMENT ON COLUMN runs.stories_new IS 'Stories the run started that still stand';
COMMENT ON COLUMN runs.error IS 'Why a failed run failed';

COMMENT ON TABLE sightings IS 'Every place a document was found: identical bytes in several outlets'' folders are one document seen several times';
COMMENT ON COLUMN sightings.doc_id IS 'The document';
COMMENT ON COLUMN sightings.source_uri IS 'Where it was seen';
COMMENT ON COLUMN sightings.outlet IS 'The outlet of that place, when known';
COMMENT ON COLUMN sightings.seen_at IS 'When it was seen there';
COMMENT ON COLUMN sightings.run_id IS 'The run that saw it';

COMMENT ON TABLE story_merges IS 'Stories merged because a new article matched both';
COMMENT ON COLUMN story_merges.from_story IS 'The story that ceased to exist';
COMMENT ON COLUMN story_merges.into_story IS 'The earlier story that absorbed it and kept its id';
COMMENT ON COLUMN story_merges.via_article IS 'The new article that matched both';
COMMENT ON COLUMN story_merges.run_id IS 'The run that merged them';
COMMENT ON COLUMN story_merges.merged_at IS 'When';

COMMENT ON TABLE fetches IS 'One row per URL fetched in a run (feeds, sitemaps, article pages), landed or failed';
COMMENT ON COLUMN fetches.url IS 'Normalized URL asked for';
COMMENT ON COLUMN fetches.final_url IS 'After redirects; documents.source_uri of a landed page';
COMMENT ON COLUMN fetches.source IS 'The sources file''s name for the outlet';
COMMENT ON COLUMN fetches.kind IS 'feed, sitemap or page';
COMMENT ON COLUMN fetches.outcome IS 'landed, listed, not_modified or failed';
COMMENT ON COLUMN fetches.reason IS 'When failed: http_error, timeout, too_large, not_html, robots, …';
COMMENT ON COLUMN fetches.detail IS 'A human-readable explanation of reason';
COMMENT ON COLUMN fetches.http_status IS 'The HTTP status of the last attempt';
COMMENT ON COLUMN fetches.attempts IS 'Attempts made in this run';
COMMENT ON COLUMN fetches.seconds IS 'Time spent, all attempts';
COMMENT ON COLUMN fetches.doc_id IS 'The landed document';
COMMENT ON COLUMN fetches.etag IS 'The ETag validator the server sent';
COMMENT ON COLUMN fetches.last_modified IS 'The Last-Modified validator the server sent';
COMMENT ON COLUMN fetches.retryable IS 'A failure for a passing reason (timeout, 5xx, 429): later runs retry it';
COMMENT ON COLUMN fetches.fetched_at IS 'When it was fetched';
COMMENT ON COLUMN fetches.run_id IS 'The run that fetched it';

COMMENT ON TABLE lsh_bands IS 'Internal: LSH band keys of each article''s MinHash signature, for finding near-duplicate candidates';
COMMENT ON COLUMN lsh_bands.article_id IS 'The article';
COMMENT ON COLUMN lsh_bands.band IS 'Band number';
COMMENT ON COLUMN lsh_bands.bucket IS 'Hash of the band''s rows';

COMMENT ON TABLE article_shingles IS 'Internal: each article''s compact shingles, so a run compares candidates without reading bodies';
COMMENT ON COLUMN article_shingles.article_id IS 'The article';
COMMENT ON COLUMN article_shingles.windows IS 'Top 32 bits of the hash of each n-word window of the body, in order, little-endian UINTEGERs';
COMMENT ON COLUMN article_shingles.paragraph_words IS 'Words in each paragraph';
COMMENT ON COLUMN article_shingles.short_windows IS 'The same hash of each paragraph too short for a window';
COMMENT ON COLUMN article_shingles.numbers IS 'The numbers the body states';

COMMENT ON TABLE schema_migrations IS 'Internal: the numbered migrations applied to this file';
COMMENT ON COLUMN schema_migrations.version IS 'Migration number';
COMMENT ON COLUMN schema_migrations.name IS 'Its file name without .sql';
COMMENT ON COLUMN schema_migrations.checksum IS 'sha256 of its SQL, so an edited migration is noticed';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When it was applied';
