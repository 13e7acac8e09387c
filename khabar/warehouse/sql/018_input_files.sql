-- Input files whose documents are stored, as they were when read: a later run does not read again a file of
-- the same path, size and modification time (khabar/warehouse/query.py snapshot_known). A file modified within
-- 2 s of being read is not recorded: it may still be changing within its clock's resolution.
CREATE TABLE input_files (
    source_uri VARCHAR NOT NULL,
    size       BIGINT NOT NULL,
    mtime_ns   BIGINT NOT NULL,
    documents  INTEGER NOT NULL,
    run_id     VARCHAR NOT NULL,
    PRIMARY KEY (source_uri, size, mtime_ns)
);
COMMENT ON TABLE input_files IS 'Input files whose documents are stored, as they were when read: a later run skips a file unchanged since (same path, size and modification time)';
COMMENT ON COLUMN input_files.source_uri IS 'the path as found, the source_uri of its documents (a JSONL file: without #L)';
COMMENT ON COLUMN input_files.size IS 'bytes, when read';
COMMENT ON COLUMN input_files.mtime_ns IS 'modification time when read, nanoseconds since 1970-01-01 UTC';
COMMENT ON COLUMN input_files.documents IS 'documents read from it (a JSONL file: its lines); a run that skips the file counts them in docs_seen';
COMMENT ON COLUMN input_files.run_id IS 'the run that read it';
ALTER TABLE runs ADD COLUMN files_unchanged BIGINT;
COMMENT ON COLUMN runs.files_unchanged IS 'input files found unchanged since a run read them (same path, size, modification time), not read again; their documents count in docs_seen';
