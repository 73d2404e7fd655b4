-- Holter results of a recording's streamed analysis (signal::holter), stored as rows the app's
-- trend and event list read directly instead of one JSON blob. A recording has at most one
-- Holter result, tagged with the analysis version that made it (as recordings.analysis_version);
-- saving replaces every row of the recording. Types are the ones SQLite and PostgreSQL both
-- accept (BIGINT, DOUBLE PRECISION, TEXT); the beat arrays are BYTEA (BLOB in SQLite).

-- One row per analysed recording: what the whole result is about.
CREATE TABLE holter_results (
    recording_id BIGINT NOT NULL PRIMARY KEY REFERENCES recordings (id),
    analysis_version TEXT NOT NULL,
    fs_hz DOUBLE PRECISION NOT NULL,
    duration_s DOUBLE PRECISION NOT NULL,
    chunks BIGINT NOT NULL,
    af_burden DOUBLE PRECISION NOT NULL,
    representative_start_s DOUBLE PRECISION NOT NULL,
    representative_end_s DOUBLE PRECISION NOT NULL,
    saved_at_ms BIGINT NOT NULL
);

-- Beats by class code (N, S, V, /, Q).
CREATE TABLE holter_beat_counts (
    recording_id BIGINT NOT NULL REFERENCES recordings (id),
    class TEXT NOT NULL,
    beats BIGINT NOT NULL,
    PRIMARY KEY (recording_id, class)
);

-- Heart rate hour by hour: min and max of the per-minute rates, mean over the hour.
CREATE TABLE holter_hourly (
    recording_id BIGINT NOT NULL REFERENCES recordings (id),
    hour BIGINT NOT NULL,
    beats BIGINT NOT NULL,
    min_bpm DOUBLE PRECISION,
    mean_bpm DOUBLE PRECISION,
    max_bpm DOUBLE PRECISION,
    PRIMARY KEY (recording_id, hour)
);

-- Heart rate minute by minute (the trend): 1440 rows for 24 h.
CREATE TABLE holter_minutes (
    recording_id BIGINT NOT NULL REFERENCES recordings (id),
    minute BIGINT NOT NULL,
    beats BIGINT NOT NULL,
    mean_bpm DOUBLE PRECISION,
    PRIMARY KEY (recording_id, minute)
);

-- Events in time order (seq): pauses, runs of ectopic beats, atrial fibrillation episodes.
-- beats / rate_bpm / first_beat are NULL where they do not apply (a pause has no rate).
CREATE TABLE holter_events (
    recording_id BIGINT NOT NULL REFERENCES recordings (id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL CONSTRAINT holter_events_kind_known CHECK (kind IN (
        'pause', 'ventricular_couplet', 'ventricular_triplet', 'ventricular_tachycardia',
        'idioventricular_run', 'supraventricular_couplet', 'supraventricular_tachycardia',
        'atrial_fibrillation')),
    start_s DOUBLE PRECISION NOT NULL,
    end_s DOUBLE PRECISION NOT NULL,
    beats BIGINT,
    rate_bpm DOUBLE PRECISION,
    first_beat BIGINT,
    detail TEXT,
    PRIMARY KEY (recording_id, seq)
);
CREATE INDEX holter_events_time_idx ON holter_events (recording_id, start_s);

-- Every beat, packed per block of consecutive beats (store::holter::BEATS_PER_BLOCK): `packed`
-- holds `beats` little-endian u32 fiducial steps (samples from the previous beat; the first
-- from `first_fiducial`), then `beats` i32 R offsets (R sample - fiducial sample), then `beats`
-- class code bytes. About 9 bytes a beat: 1 MB for a 24-h recording.
CREATE TABLE holter_beats (
    recording_id BIGINT NOT NULL REFERENCES recordings (id),
    block BIGINT NOT NULL,
    first_beat BIGINT NOT NULL,
    beats BIGINT NOT NULL,
    first_fiducial BIGINT NOT NULL,
    packed BYTEA NOT NULL,
    PRIMARY KEY (recording_id, block)
);
