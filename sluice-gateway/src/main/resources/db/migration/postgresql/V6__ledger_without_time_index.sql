-- SQLite's V6 drops usage_ledger_by_time (see ../sqlite/V6__ledger_without_time_index.sql); PostgreSQL keeps it. Its
-- planner does not read a range organization by organization from a list of organizations (it hash-joins the list
-- with a scan of the table), and the index costs the gateway's ledger thread nothing here: the server maintains it in
-- its own process. This version only records that, so both dialects keep the same migration versions.
COMMENT ON INDEX usage_ledger_by_time IS 'the time-range reads of the usage API and the console (SQLite has no such index since V6)';
