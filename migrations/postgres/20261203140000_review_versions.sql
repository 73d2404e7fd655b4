-- Versions on review rows (issue 20), same meaning as sqlite/20261203140000_review_versions.sql:
-- two readers changing one recording's measurement overrides or statements never lose an update.
-- - recordings.review_version counts the review changes of a recording; every override or
--   statement write takes the next value (under the recording's row lock) as the row's version.
--   Being per recording, not per row, a value never repeats for one (recording, measurement,
--   lead) even when an override is cleared and set again, so a stale edit cannot slip through
--   because a re-created row restarted at 1. It starts at 1, above no existing row's version.
-- - measurement_overrides.version and statements.version: the value of their last write (1 for
--   rows written before versions existed). An edit names the version it was based on and is
--   refused when the row moved on.
ALTER TABLE recordings ADD COLUMN review_version BIGINT NOT NULL DEFAULT 1;

ALTER TABLE measurement_overrides ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

ALTER TABLE statements ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
