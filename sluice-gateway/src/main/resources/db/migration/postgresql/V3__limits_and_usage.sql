-- Rate limits, budgets, credit grants and the usage ledger.
-- Kept in step with ../sqlite/V3__limits_and_usage.sql: same tables, columns, constraints and index names.
-- Times are epoch milliseconds (UTC); money is in nano-dollars (USD x 1e9) so sums are exact integers.
-- No foreign keys to organizations/projects: the ledger must keep every row whatever happens to its owners, and the
-- admin endpoints check that an owner exists before they write.

-- Per-organization / per-project overrides of the per-family defaults in sluice.yaml; a null column inherits.
CREATE TABLE rate_limits (
    scope                        TEXT    NOT NULL CHECK (scope IN ('organization', 'project')),
    owner_id                     TEXT    NOT NULL,
    family                       TEXT    NOT NULL,
    max_requests_per_1_minute    BIGINT,
    max_tokens_per_1_minute      BIGINT,
    max_images_per_1_minute      BIGINT,
    max_requests_per_1_day       BIGINT,
    max_tokens_per_1_day         BIGINT,
    batch_1_day_max_input_tokens BIGINT,
    updated_at                   BIGINT  NOT NULL,
    PRIMARY KEY (scope, owner_id, family)
);

-- Monthly budget (UTC calendar month) of an organization or project; null = the sluice.yaml default.
CREATE TABLE budgets (
    scope                 TEXT    NOT NULL CHECK (scope IN ('organization', 'project')),
    owner_id              TEXT    NOT NULL,
    monthly_budget_nanos  BIGINT,
    updated_at            BIGINT  NOT NULL,
    PRIMARY KEY (scope, owner_id)
);

-- Prepaid credits: an owner with grants may spend (over its lifetime) up to their sum.
CREATE TABLE credit_grants (
    id            TEXT    NOT NULL PRIMARY KEY,
    scope         TEXT    NOT NULL CHECK (scope IN ('organization', 'project')),
    owner_id      TEXT    NOT NULL,
    amount_nanos  BIGINT  NOT NULL CHECK (amount_nanos >= 0),
    note          TEXT,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX credit_grants_by_owner ON credit_grants (scope, owner_id);

-- One row per client request to a model (request_id unique: a re-delivered record is ignored, never counted twice).
-- Tokens are those billed: the prompt when the model answered (completely or in part), the output delivered.
CREATE TABLE usage_ledger (
    request_id           TEXT     NOT NULL PRIMARY KEY,
    created_at           BIGINT   NOT NULL,
    org_id               TEXT     NOT NULL,
    project_id           TEXT     NOT NULL,
    key_id               TEXT,
    model                TEXT     NOT NULL,
    endpoint             TEXT     NOT NULL,
    prompt_tokens        BIGINT   NOT NULL,
    completion_tokens    BIGINT   NOT NULL,
    cost_nanos           BIGINT   NOT NULL,
    status               INTEGER  NOT NULL,
    outcome              TEXT     NOT NULL CHECK (outcome IN ('completed', 'failed', 'cancelled')),
    error_code           TEXT,
    upstream_request_id  TEXT,
    attempts             INTEGER  NOT NULL,
    stream               INTEGER  NOT NULL      -- 0 or 1
);
CREATE INDEX usage_ledger_by_time ON usage_ledger (created_at);
CREATE INDEX usage_ledger_by_org_time ON usage_ledger (org_id, created_at);
CREATE INDEX usage_ledger_by_project_time ON usage_ledger (project_id, created_at);

-- Running spend per owner, maintained in the same transaction as the ledger rows it sums, so the quota check reads
-- a handful of rows instead of summing the ledger. period: 'all' (lifetime, for credits) or 'YYYY-MM' (UTC month).
CREATE TABLE spend_totals (
    scope       TEXT    NOT NULL CHECK (scope IN ('organization', 'project')),
    owner_id    TEXT    NOT NULL,
    period      TEXT    NOT NULL,
    cost_nanos  BIGINT  NOT NULL,
    PRIMARY KEY (scope, owner_id, period)
);
