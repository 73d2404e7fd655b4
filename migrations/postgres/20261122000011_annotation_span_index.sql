-- Long annotations by duration, so a view's window query finds the few that started long
-- before the window without walking every annotation before it (see annotations::in_range).
CREATE INDEX annotations_span_idx ON annotations (recording_id, (end_s - start_s));
