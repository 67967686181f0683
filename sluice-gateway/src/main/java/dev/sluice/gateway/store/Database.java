package dev.sluice.gateway.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pooled connection to Sluice's state, migrated to the current schema on open. It owns the transaction
 * boundary (one connection bound to the calling thread, joined by nested work) and counts the statements the
 * repositories run, so tests can prove that a cached path does not reach the database.
 */
public final class Database implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    /** Work on a connection; may throw {@link SQLException}, which comes back as a {@link StoreException}. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T apply(Connection connection) throws SQLException;
    }

    private final StorageSettings settings;
    private final HikariDataSource dataSource;
    private final int migrationsApplied;
    private final LongAdder queries = new LongAdder();
    private final ThreadLocal<Connection> transaction = new ThreadLocal<>();

    private Database(StorageSettings settings, HikariDataSource dataSource, int migrationsApplied) {
        this.settings = settings;
        this.dataSource = dataSource;
        this.migrationsApplied = migrationsApplied;
    }

    /**
     * Opens the pool (creating the SQLite file and its directory, or the PostgreSQL schema, when missing) and applies
     * pending migrations. Fails with {@link StoreException} when the database is unreachable or a migration fails.
     */
    public static Database open(StorageSettings settings) {
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(poolConfig(settings)); // opens a first connection, so failure shows here
        } catch (HikariPool.PoolInitializationException e) {
            throw new StoreException(StoreException.Reason.UNAVAILABLE, "cannot open " + describe(settings), e);
        }
        try {
            if (settings.schema() != null) createSchema(ds, settings.schema());
            int applied = migrate(ds, settings);
            Database db = new Database(settings, ds, applied);
            log.info("Storage ready: {} ({} migration(s) applied)", describe(settings), applied);
            return db;
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    private static HikariConfig poolConfig(StorageSettings settings) {
        HikariConfig cfg = new HikariConfig();
        cfg.setPoolName("sluice-" + settings.kind().name().toLowerCase(Locale.ROOT));
        cfg.setMaximumPoolSize(settings.poolSize());
        cfg.setMinimumIdle(1);
        cfg.setJdbcUrl(settings.jdbcUrl());
        if (settings.kind() == StorageSettings.Kind.SQLITE) {
            try {
                Files.createDirectories(settings.dataDir());
            } catch (IOException e) {
                throw new StoreException(StoreException.Reason.UNAVAILABLE, "cannot create data dir " + settings.dataDir(), e);
            }
            // Per-connection pragmas, applied by the driver on every new connection.
            cfg.addDataSourceProperty("journal_mode", "WAL");
            cfg.addDataSourceProperty("synchronous", "NORMAL");
            cfg.addDataSourceProperty("foreign_keys", "true");
            cfg.addDataSourceProperty("busy_timeout", "10000");
            // A 16 MiB page cache per connection (the default is 2 MiB): the usage ledger inserts random request ids
            // into its primary-key index, and a cache that holds more of that index costs fewer reads per row.
            cfg.addDataSourceProperty("cache_size", "-16384");
            // Checkpoint the WAL every 10,000 pages (40 MiB; the default is 1,000): a page the ledger dirties again
            // before the checkpoint is copied back once. Durability is unchanged (that is journal_mode + synchronous);
            // a WAL left larger by a long reader is cut back to 64 MiB after the next checkpoint.
            cfg.addDataSourceProperty("wal_autocheckpoint", "10000");
            cfg.addDataSourceProperty("journal_size_limit", String.valueOf(64L << 20));
            // Write transactions take the write lock at BEGIN, so two writers wait on busy_timeout instead of
            // failing with SQLITE_BUSY when a read lock cannot be upgraded.
            cfg.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        } else {
            if (settings.user() != null) cfg.setUsername(settings.user());
            if (settings.password() != null) cfg.setPassword(settings.password());
            if (settings.schema() != null) cfg.setSchema(settings.schema());
        }
        return cfg;
    }

    private static void createSchema(HikariDataSource ds, String schema) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\""); // name validated by StorageSettings
        } catch (SQLException e) {
            // Two gateways starting together may race to create it; the loser sees a duplicate, which is fine.
            if (!"23505".equals(e.getSQLState()) && !"42P06".equals(e.getSQLState())) throw StoreException.from(e);
        }
    }

    private static int migrate(HikariDataSource ds, StorageSettings settings) {
        String vendor = settings.kind() == StorageSettings.Kind.SQLITE ? "sqlite" : "postgresql";
        var cfg = Flyway.configure(Database.class.getClassLoader())
                .dataSource(ds)
                .locations("classpath:db/migration/" + vendor)
                .failOnMissingLocations(true);
        if (settings.schema() != null) cfg = cfg.schemas(settings.schema()).defaultSchema(settings.schema());
        try {
            return cfg.load().migrate().migrationsExecuted;
        } catch (FlywayException e) {
            throw new StoreException(StoreException.Reason.FAILED, "schema migration failed: " + e.getMessage(), e);
        }
    }

    private static String describe(StorageSettings s) {
        return s.kind() == StorageSettings.Kind.SQLITE
                ? "SQLite " + s.dataDir().toAbsolutePath().normalize().resolve(StorageSettings.SQLITE_FILE)
                : "PostgreSQL " + s.jdbcUrl().replaceAll("\\?.*", "") + (s.schema() == null ? "" : " schema " + s.schema());
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public StorageSettings.Kind kind() {
        return settings.kind();
    }

    public StorageSettings settings() {
        return settings;
    }

    /** How many migrations this {@link #open} applied (0 when the schema was already current). */
    public int migrationsApplied() {
        return migrationsApplied;
    }

    /** Statements run through {@link #prepare} since open. */
    public long queryCount() {
        return queries.sum();
    }

    /**
     * Prepares one statement and counts it. Repositories prepare each statement they execute through here, once
     * per execution.
     */
    public PreparedStatement prepare(Connection connection, String sql) throws SQLException {
        queries.increment();
        return connection.prepareStatement(sql);
    }

    /** As {@link #prepare}, for an insert whose generated {@code keyColumns} the caller reads back. */
    public PreparedStatement prepare(Connection connection, String sql, String... keyColumns) throws SQLException {
        if (keyColumns.length == 0) return prepare(connection, sql);
        queries.increment();
        return connection.prepareStatement(sql, keyColumns);
    }

    /**
     * Runs {@code work} on the current thread's transaction if there is one, else on a pooled auto-commit
     * connection.
     */
    public <T> T withConnection(SqlWork<T> work) {
        Connection tx = transaction.get();
        try {
            if (tx != null) return work.apply(tx);
            try (Connection c = dataSource.getConnection()) {
                return work.apply(c);
            }
        } catch (SQLException e) {
            throw StoreException.from(e);
        }
    }

    /**
     * Runs {@code work} in one transaction bound to the calling thread, so repository calls inside it share it;
     * commits on return, rolls back on any exception. Nested calls join the outer transaction.
     */
    public <T> T transaction(SqlWork<T> work) {
        if (transaction.get() != null) return withConnection(work);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            transaction.set(c);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    c.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                transaction.remove(); // the pool restores auto-commit when the connection goes back
            }
        } catch (SQLException e) {
            throw StoreException.from(e);
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
