-- The usage ledger without its index on created_at alone; see ../sqlite/V6__ledger_without_time_index.sql. Dropped
-- here too, so both dialects keep the same tables and indexes and run the same queries (time ranges are read through
-- usage_ledger_by_org_time, one range per organization), and the server no longer maintains it on every insert.
DROP INDEX IF EXISTS usage_ledger_by_time;
