package dev.sluice.gateway.store;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where state lives: one SQLite file under the data dir (embedded default) or a PostgreSQL database, optionally in
 * its own schema (scale-out). Immutable; built once from config.
 *
 * @param kind     which backend
 * @param dataDir  SQLite only: the directory that holds {@code sluice.db}
 * @param jdbcUrl  PostgreSQL: the URL as given; SQLite: derived from {@code dataDir}
 * @param user     PostgreSQL user, or null
 * @param password PostgreSQL password, or null (never printed by {@link #toString()})
 * @param schema   PostgreSQL schema to use (created if missing), or null for the connection's default
 * @param poolSize maximum pooled connections
 */
public record StorageSettings(Kind kind, Path dataDir, String jdbcUrl, String user, String password, String schema,
                              int poolSize) {

    /** The database file's name inside the data dir. */
    public static final String SQLITE_FILE = "sluice.db";

    private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public enum Kind { SQLITE, POSTGRES }

    public StorageSettings {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.SQLITE) {
            Objects.requireNonNull(dataDir, "dataDir");
            jdbcUrl = "jdbc:sqlite:" + dataDir.toAbsolutePath().normalize().resolve(SQLITE_FILE);
            if (schema != null) throw new IllegalArgumentException("schema applies to PostgreSQL only");
        } else {
            if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("PostgreSQL needs a jdbc:postgresql: URL");
            }
            if (schema != null && schema.isBlank()) schema = null;
            if (schema != null && !SCHEMA_NAME.matcher(schema).matches()) {
                throw new IllegalArgumentException("schema must be a lower-case SQL identifier: " + schema);
            }
        }
        if (poolSize < 1) throw new IllegalArgumentException("poolSize must be at least 1");
    }

    /** The embedded default: {@code <dataDir>/sluice.db}, a few connections (WAL lets readers run beside a writer). */
    public static StorageSettings sqlite(Path dataDir) {
        return new StorageSettings(Kind.SQLITE, dataDir, null, null, null, null, 4);
    }

    /** Scale-out: a PostgreSQL URL, credentials (null when the server trusts the client) and an optional schema. */
    public static StorageSettings postgres(String jdbcUrl, String user, String password, String schema) {
        return new StorageSettings(Kind.POSTGRES, null, jdbcUrl, user, password, schema, 10);
    }

    public StorageSettings withPoolSize(int size) {
        return new StorageSettings(kind, dataDir, kind == Kind.SQLITE ? null : jdbcUrl, user, password, schema, size);
    }

    @Override
    public String toString() {
        return "StorageSettings[kind=" + kind + ", url=" + jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***") + (user == null ? "" : ", user=" + user)
                + (password == null ? "" : ", password=***") + (schema == null ? "" : ", schema=" + schema)
                + ", poolSize=" + poolSize + "]";
    }
}
