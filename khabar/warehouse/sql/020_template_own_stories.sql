-- A story counts toward an outlet's template only as the outlet's own: a unit that other outlets' copies of the
-- story print too travelled with the text (khabar/warehouse/templates.py). Counts made before keep their value
-- until a new article carrying the unit recounts it.
COMMENT ON TABLE outlet_templates IS 'Per outlet and unit fingerprint, under how many independent stories of its own the outlet printed it (a story and its follow-ups count once; a story whose other outlets'' copies print the unit too does not count); from KHABAR_TEMPLATE_MIN_STORIES on it is a template';
COMMENT ON COLUMN outlet_templates.n_stories IS 'Independent stories of its own whose articles of this outlet carry the unit: follow-ups counted with their story, and only the families with a story whose copies from other outlets do not carry it';
COMMENT ON COLUMN removed_blocks.template_stories IS 'For a template block: the number of the outlet''s independent stories of its own (follow-ups counted with their story) that printed it when it was removed';
