-- Files API and Batch API: uploaded files (their bytes live under <data_dir>/files), batches, and one row per
-- finished batch line, which is what makes a batch crash-safe: a line counts as done only once its row exists, the
-- primary key (batch_id, custom_id) keeps it to one result, and the output and error files are assembled from
-- these rows at finalization.
-- Kept in step with ../postgresql/V5__files_and_batches.sql: same tables, columns, constraints and index names.
-- Times are epoch milliseconds (UTC); the API shows them in unix seconds.

CREATE TABLE files (
    id           TEXT    NOT NULL PRIMARY KEY,     -- file-…
    org_id       TEXT    NOT NULL,
    project_id   TEXT    NOT NULL,
    purpose      TEXT    NOT NULL,                 -- batch (uploads), batch_output (output and error files)
    filename     TEXT    NOT NULL,
    bytes        INTEGER NOT NULL,
    line_count   INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'processed',
    storage_name TEXT    NOT NULL,                 -- name of the file under <data_dir>/files
    created_at   INTEGER NOT NULL,
    FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id)
);
CREATE INDEX files_by_project ON files (project_id, created_at);

-- request counts are kept in step with batch_lines in the same transaction that writes the lines.
-- runner_id / lease_until: which gateway runs the batch, so gateways sharing a database never run one twice.
CREATE TABLE batches (
    id                TEXT    NOT NULL PRIMARY KEY, -- batch_…
    org_id            TEXT    NOT NULL,
    project_id        TEXT    NOT NULL,
    creator_key_id    TEXT,
    batch_key_id      TEXT,                         -- the key the batch's lines are sent with (revoked at the end)
    endpoint          TEXT    NOT NULL,
    input_file_id     TEXT    NOT NULL,
    input_name        TEXT    NOT NULL,             -- the batch's own link to the input under <data_dir>/files
    completion_window TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('validating', 'failed', 'in_progress', 'finalizing',
                                                         'completed', 'expired', 'cancelling', 'cancelled')),
    output_file_id    TEXT,
    error_file_id     TEXT,
    errors            TEXT,                         -- JSON array of {code, message, param, line}
    metadata          TEXT,                         -- JSON object
    total             INTEGER NOT NULL DEFAULT 0,
    completed         INTEGER NOT NULL DEFAULT 0,
    failed            INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    in_progress_at    INTEGER,
    expires_at        INTEGER NOT NULL,
    finalizing_at     INTEGER,
    completed_at      INTEGER,
    failed_at         INTEGER,
    expired_at        INTEGER,
    cancelling_at     INTEGER,
    cancelled_at      INTEGER,
    runner_id         TEXT,
    lease_until       INTEGER,
    FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id)
);
CREATE INDEX batches_by_project ON batches (project_id, created_at);
CREATE INDEX batches_by_status ON batches (status);

CREATE TABLE batch_lines (
    batch_id    TEXT    NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    custom_id   TEXT    NOT NULL,
    line_no     INTEGER NOT NULL,                   -- 1-based line of the input file
    ok          INTEGER NOT NULL CHECK (ok IN (0, 1)), -- 1: output file, 0: error file
    result      TEXT    NOT NULL,                   -- the whole output or error line (JSON)
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (batch_id, custom_id)
);
