-- The writers' turn: one row that every load updates in its transaction (khabar/warehouse/load.py). On a
-- DuckLake catalog, where several processes write and no file lock orders them, two loads at once both
-- change this row, so DuckLake's conflict check fails the later commit and that load is retried on top of
-- the other: loads serialize, and story assignment always sees every article committed before it.
CREATE TABLE writer_turn (
    holder   VARCHAR NOT NULL,      -- the run that loaded last
    taken_at TIMESTAMPTZ NOT NULL
);
INSERT INTO writer_turn VALUES ('migration 015', current_timestamp);
