-- Outlet templates are counted by independent stories: a story and its follow-ups (story_links) count once, so the
-- background a running story repeats is content (khabar/warehouse/templates.py). Counts made before keep their value
-- until a new article carrying the unit recounts it.
COMMENT ON TABLE outlet_templates IS 'Per outlet and unit fingerprint, under how many independent stories the outlet printed it (a story and its follow-ups count once); from KHABAR_TEMPLATE_MIN_STORIES on it is a template';
COMMENT ON COLUMN outlet_templates.n_stories IS 'Independent stories whose articles of this outlet carry the unit: distinct stories, those joined by follow-up links counted once';
COMMENT ON COLUMN removed_blocks.template_stories IS 'For a template block: the number of the outlet''s independent stories (follow-ups counted with their story) that printed it when it was removed';
