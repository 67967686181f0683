-- The usage ledger without its index on created_at alone. Every ledger row paid for it in the writer (about 1 µs of
-- CPU a row on SQLite, one B-tree insert of four), while the only readers of a time range — the usage and costs
-- endpoints and the console's month view — read it through usage_ledger_by_org_time, one range per organization
-- (UsageQueries.LEDGER_ORGS), and get the same rows. PostgreSQL keeps the index (../postgresql/V6__…, which says why).
DROP INDEX IF EXISTS usage_ledger_by_time;
