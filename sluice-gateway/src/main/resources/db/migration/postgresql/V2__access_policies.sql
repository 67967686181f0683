-- Access policies on top of V1: IP allowlists (organization and project, IPv4 and IPv6 CIDRs), the region policy
-- (unsupported countries, per organization and installation-wide), model access (an organization's visible models,
-- i.e. its tier, and allowed models per organization and per project), and deleted service accounts.
-- Kept in step with ../sqlite/V2__access_policies.sql: same tables, columns, constraints and index names.
-- An empty list means "no restriction" at that level; every level that has a list must admit the request.

CREATE TABLE ip_allowlist (
    id          TEXT    NOT NULL PRIMARY KEY,
    org_id      TEXT    NOT NULL REFERENCES organizations (id),
    project_id  TEXT    REFERENCES projects (id),   -- null: the organization's own list
    scope_id    TEXT    NOT NULL,                   -- project_id when set, else org_id (one uniqueness rule)
    cidr        TEXT    NOT NULL,                   -- canonical form: 10.0.0.0/8, 2001:db8::/32
    created_at  BIGINT  NOT NULL,
    UNIQUE (scope_id, cidr)
);
CREATE INDEX ip_allowlist_by_org ON ip_allowlist (org_id);

CREATE TABLE region_policy (
    scope_id    TEXT    NOT NULL,                   -- an org id, or '*' for the installation-wide policy
    org_id      TEXT    REFERENCES organizations (id),
    country     TEXT    NOT NULL,                   -- ISO 3166-1 alpha-2, upper case
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (scope_id, country)
);

CREATE TABLE model_access (
    scope_id    TEXT    NOT NULL,                   -- project_id when set, else org_id
    org_id      TEXT    NOT NULL REFERENCES organizations (id),
    project_id  TEXT    REFERENCES projects (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('visible', 'allowed')), -- visible: the org's tier (404 outside it)
    model       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (scope_id, kind, model),
    CHECK (kind = 'allowed' OR project_id IS NULL)
);
CREATE INDEX model_access_by_org ON model_access (org_id);

-- A deleted service account keeps its row (its keys refer to it); its keys are revoked when it is deleted.
ALTER TABLE service_accounts ADD COLUMN deleted_at BIGINT;
