package dev.sluice.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * Small named values that must survive restarts and be shared by every gateway on the same database: which project
 * is the demo project, the hash of a generated admin token, and the like.
 */
public final class Settings {

    private final Database db;
    private final Clock clock;

    public Settings(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Optional<String> get(String name) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT value FROM settings WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    /** Sets the value, replacing any previous one. */
    public void put(String name, String value) {
        upsert(name, value, "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
    }

    /** Sets the value only if the name is unset; returns whether it was set. First writer wins across gateways. */
    public boolean putIfAbsent(String name, String value) {
        return upsert(name, value, "DO NOTHING") == 1;
    }

    /**
     * Inside a transaction, takes a lock that concurrent holders of the same name wait on until this transaction
     * ends (a row lock on PostgreSQL; SQLite's write transactions are serial already).
     */
    public void lock(String name) {
        upsert(name, "", "DO UPDATE SET updated_at = excluded.updated_at");
    }

    private int upsert(String name, String value, String onConflict) {
        Instant now = Rows.now(clock);
        return db.withConnection(c -> {
            String sql = "INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) " + onConflict;
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, name);
                ps.setString(2, value);
                Rows.setInstant(ps, 3, now);
                return ps.executeUpdate();
            }
        });
    }
}
