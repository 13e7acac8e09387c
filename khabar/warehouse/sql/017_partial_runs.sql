-- Runs commit in chunks (KHABAR_LOAD_CHUNK): a run is partial until its last chunk commits.
COMMENT ON COLUMN runs.status IS 'completed; partial: chunks committed, the last not yet (still loading, or killed: the next run completes the work); failed';
