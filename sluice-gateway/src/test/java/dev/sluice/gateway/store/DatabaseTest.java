package dev.sluice.gateway.store;

import dev.sluice.testing.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {

    @TempDir
    Path tmp;

    private final Clock clock = FakeTime.at("2026-03-01T10:00:00Z");

    @BothBackends
    void migrationsApplyOnceAndReopeningTheSameDatabaseAppliesNothing(Backend backend) throws SQLException {
        try (TestDb t = backend.open(tmp)) {
            List<String> versions = migrationVersions();
            assertThat(versions).contains("1", "3");
            assertThat(t.db().migrationsApplied()).isEqualTo(versions.size());
            Organization org = new Organizations(t.db(), clock).create("Acme");

            Database again = t.reopen();

            assertThat(again.migrationsApplied()).isZero();
            assertThat(new Organizations(again, clock).find(org.id())).contains(org);
            try (Connection c = again.dataSource().getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT version, success FROM flyway_schema_history "
                         + "WHERE version IS NOT NULL ORDER BY installed_rank")) {
                List<String> applied = new ArrayList<>();
                while (rs.next()) {
                    applied.add(rs.getString(1));
                    assertThat(rs.getBoolean(2)).isTrue();
                }
                assertThat(applied).isEqualTo(versions);
            }
        }
    }

    /** How many versioned migrations ship (V1, V2, ...), counted from the classpath, the same for both dialects. */
    private static int migrationFiles() {
        try (var files = Files.list(Path.of(DatabaseTest.class.getResource("/db/migration/sqlite").toURI()))) {
            return (int) files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void bothDialectsCreateTheSameTablesColumnsAndIndexes() throws SQLException {
        try (TestDb sqlite = Backend.SQLITE.open(tmp); TestDb pgDb = Backend.POSTGRES.open(tmp)) {
            Set<String> pg = shape(pgDb);
            // The one difference: PostgreSQL keeps the ledger's time index, SQLite's V6 dropped it (see both V6 files).
            assertThat(pg.remove("index usage_ledger_by_time")).isTrue();
            assertThat(pg).isEqualTo(shape(sqlite)).contains(
                    "api_keys.secret_hash", "api_keys.redacted_value", "api_keys.scopes", "api_keys.last_used_at",
                    "memberships.role", "projects.status", "service_accounts.project_id", "audit_log.detail",
                    "settings.value", "index api_keys_by_project", "index memberships_by_user",
                    "ip_allowlist.cidr", "ip_allowlist.scope_id", "region_policy.country", "model_access.kind",
                    "service_accounts.deleted_at", "index ip_allowlist_by_org", "index model_access_by_org",
                    "files.storage_name", "batches.total",
                    "batches.lease_until", "batch_lines.result", "index files_by_project", "index batches_by_status");
        }
    }

    /** The versions of the bundled migrations (both dialects have the same), in order. */
    private static List<String> migrationVersions() {
        try (var files = Files.list(Path.of(Database.class.getResource("/db/migration/sqlite").toURI()))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .map(n -> n.substring(1, n.indexOf("__"))).sorted(java.util.Comparator.comparingInt(Integer::parseInt))
                    .toList();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Table.column names and index names of the application tables, lower-case. */
    private static Set<String> shape(TestDb t) throws SQLException {
        Set<String> out = new TreeSet<>();
        String schema = t.settings.schema();
        try (Connection c = t.db().dataSource().getConnection()) {
            DatabaseMetaData md = c.getMetaData();
            try (ResultSet tables = md.getTables(null, schema, "%", new String[] {"TABLE"})) {
                while (tables.next()) {
                    String table = tables.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                    if (table.startsWith("flyway") || table.startsWith("sqlite_")) continue;
                    try (ResultSet cols = md.getColumns(null, schema, table, "%")) {
                        while (cols.next()) out.add(table + "." + cols.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
                    }
                    try (ResultSet idx = md.getIndexInfo(null, schema, table, false, false)) {
                        while (idx.next()) {
                            String name = idx.getString("INDEX_NAME");
                            // Only the named indexes; implicit ones for keys and UNIQUE are named per vendor.
                            if (name != null && !name.startsWith("sqlite_autoindex") && !name.endsWith("_pkey")
                                    && !name.endsWith("_key")) {
                                out.add("index " + name.toLowerCase(Locale.ROOT));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void sqliteRunsInWriteAheadLogModeWithForeignKeysAndABusyTimeoutOnEveryConnection() throws SQLException {
        try (TestDb t = Backend.SQLITE.open(tmp);
             Connection first = t.db().dataSource().getConnection();
             Connection second = t.db().dataSource().getConnection()) {
            for (Connection c : new Connection[] {first, second}) {
                assertThat(pragma(c, "journal_mode")).isEqualToIgnoringCase("wal");
                assertThat(pragma(c, "foreign_keys")).isEqualTo("1");
                assertThat(Integer.parseInt(pragma(c, "busy_timeout"))).isGreaterThanOrEqualTo(5000);
            }
        }
    }

    /** docs/operations.md: WAL with synchronous=NORMAL; the ledger's page cache and checkpoint interval on every connection. */
    @Test
    void sqliteKeepsTheDocumentedDurabilityAndTheLedgersCacheAndCheckpointOnEveryConnection() throws SQLException {
        try (TestDb t = Backend.SQLITE.open(tmp);
             Connection first = t.db().dataSource().getConnection();
             Connection second = t.db().dataSource().getConnection()) {
            for (Connection c : new Connection[] {first, second}) {
                assertThat(pragma(c, "synchronous")).isEqualTo("1"); // NORMAL
                assertThat(pragma(c, "cache_size")).isEqualTo("-16384");
                assertThat(pragma(c, "wal_autocheckpoint")).isEqualTo("10000");
                assertThat(pragma(c, "journal_size_limit")).isEqualTo(String.valueOf(64L << 20));
            }
        }
    }

    private static String pragma(Connection c, String name) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void sqliteCreatesTheMissingDataDirectoryAndItsDatabaseFile() {
        Path dataDir = tmp.resolve("not/there/yet");
        try (Database db = Database.open(StorageSettings.sqlite(dataDir))) {
            assertThat(db.kind()).isEqualTo(StorageSettings.Kind.SQLITE);
            assertThat(dataDir.resolve("sluice.db")).isRegularFile();
            assertThat(Files.exists(dataDir.resolve("sluice.db-wal"))).isTrue();
        }
    }

    @Test
    void postgresCreatesTheMissingSchemaAndKeepsItsTablesThere() throws SQLException {
        try (TestDb t = Backend.POSTGRES.open(tmp);
             Connection c = t.db().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name")) {
            ps.setString(1, t.settings.schema());
            Set<String> tables = new TreeSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) tables.add(rs.getString(1));
            }
            assertThat(tables).contains("organizations", "users", "memberships", "projects", "service_accounts",
                    "api_keys", "audit_log", "settings", "flyway_schema_history");
            assertThat(t.db().kind()).isEqualTo(StorageSettings.Kind.POSTGRES);
        }
    }

    @Test
    void anUnreachablePostgresFailsToOpenAsUnavailable() {
        StorageSettings nowhere = StorageSettings.postgres("jdbc:postgresql://127.0.0.1:1/none", "postgres", null, null);
        assertThatThrownBy(() -> Database.open(nowhere))
                .isInstanceOf(StoreException.class)
                .extracting(e -> ((StoreException) e).reason()).isEqualTo(StoreException.Reason.UNAVAILABLE);
    }

    @BothBackends
    void theQueryCounterCountsEveryStatementARepositoryRuns(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore store = new AccessStore(t.db(), clock);
            long start = t.db().queryCount();

            Organization org = store.organizations().create("Acme");
            store.organizations().find(org.id());
            store.organizations().find("org_missing");

            assertThat(t.db().queryCount() - start).isEqualTo(3);
        }
    }

    @BothBackends
    void aTransactionRollsBackEverythingWhenItsWorkFails(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore store = new AccessStore(t.db(), clock);
            assertThatThrownBy(() -> t.db().transaction(c -> {
                store.organizations().create("Doomed");
                store.users().create("a@example.com", "A");
                throw new IllegalStateException("boom");
            })).hasMessage("boom");

            assertThat(store.organizations().isEmpty()).isTrue();
            assertThat(store.users().findByEmail("a@example.com")).isEmpty();
        }
    }

    @BothBackends
    void nestedTransactionsJoinTheOuterOne(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore store = new AccessStore(t.db(), clock);
            assertThatThrownBy(() -> t.db().transaction(outer -> {
                t.db().transaction(inner -> store.organizations().create("Inner"));
                throw new IllegalStateException("outer fails");
            })).hasMessage("outer fails");

            assertThat(store.organizations().isEmpty()).isTrue();
        }
    }

    @Test
    void storageSettingsNeverPrintThePassword() {
        StorageSettings s = StorageSettings.postgres("jdbc:postgresql://db/x?password=hunter2", "sluice", "hunter2", "tenant_a");
        assertThat(s.toString()).doesNotContain("hunter2").contains("tenant_a");
    }

    @Test
    void storageSettingsRejectASchemaThatIsNotAPlainIdentifier() {
        assertThatThrownBy(() -> StorageSettings.postgres("jdbc:postgresql://db/x", "u", null, "x\"; DROP TABLE y"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
