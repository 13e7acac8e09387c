-- Issue 12 §4 and §5. documents.repair_note: what khabar had to fix to read a parsed document (control
-- bytes stripped, mojibake repaired, characters lost to U+FFFD restored, invalid characters dropped),
-- NULL when the input was read as it came. articles.truncated: the source cut the text short (a news
-- API's "… [1506 chars]"); the marker itself is not in the body.
ALTER TABLE documents ADD COLUMN repair_note VARCHAR;
ALTER TABLE articles ADD COLUMN truncated BOOLEAN DEFAULT false;
