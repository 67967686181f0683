package dev.sluice.gateway.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The two storage backends every store test runs against: SQLite in a temporary directory, and the real PostgreSQL
 * (default {@code jdbc:postgresql://127.0.0.1:5432/test}, user {@code postgres}; override with
 * {@code SLUICE_TEST_PG_URL}, {@code SLUICE_TEST_PG_USER}, {@code SLUICE_TEST_PG_PASSWORD}) in a fresh schema that is
 * dropped afterwards. An unreachable PostgreSQL fails the test: these tests never skip. Public for the store tests of
 * other packages (the usage ledger's).
 */
public enum Backend {
    SQLITE, POSTGRES;

    public static final String PG_URL = env("SLUICE_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String PG_USER = env("SLUICE_TEST_PG_USER", "postgres");
    public static final String PG_PASSWORD = System.getenv("SLUICE_TEST_PG_PASSWORD");

    /** Settings for a fresh, empty database: a new directory under {@code tmp}, or a new schema. */
    public StorageSettings freshSettings(Path tmp) {
        if (this == SQLITE) {
            return StorageSettings.sqlite(tmp.resolve("data-" + suffix())).withPoolSize(2);
        }
        return StorageSettings.postgres(PG_URL, PG_USER, PG_PASSWORD, "sluice_test_" + suffix()).withPoolSize(2);
    }

    /** Opens a fresh database; close the result to drop it. */
    TestDb open(Path tmp) {
        return new TestDb(freshSettings(tmp));
    }

    public static Database openOrFail(StorageSettings settings) {
        try {
            return Database.open(settings);
        } catch (StoreException e) {
            if (settings.kind() == StorageSettings.Kind.POSTGRES && e.reason() == StoreException.Reason.UNAVAILABLE) {
                throw new AssertionError("PostgreSQL at " + PG_URL + " is unreachable"
                        + ("true".equals(System.getenv("CI")) ? " (CI=true)" : "")
                        + ": the store tests run against both backends and never skip", e);
            }
            throw e;
        }
    }

    public static void dropSchema(String schema) {
        try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, PG_PASSWORD);
             Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test schema " + schema, e);
        }
    }

    private static String suffix() {
        byte[] b = new byte[6];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
