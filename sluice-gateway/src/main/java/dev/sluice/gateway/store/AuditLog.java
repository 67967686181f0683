package dev.sluice.gateway.store;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.protocol.KeyMask;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Append-only record of administrative changes. Anything in the details that looks like a key secret is masked
 * before it is written, so a careless caller cannot put a secret on disk.
 */
public final class AuditLog {

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final Pattern SECRET_LIKE = Pattern.compile("sk-[A-Za-z0-9_-]{8,}");
    private static final String COLUMNS = "id, at, actor, action, target, detail";

    private final Database db;
    private final Clock clock;

    public AuditLog(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Appends an entry stamped now. {@code detail} is any Jackson-serialisable map (null for none). */
    public AuditEntry record(String actor, String action, String target, Map<String, ?> detail) {
        Instant at = Rows.now(clock);
        String json = maskSecrets(toJson(detail));
        long id = db.withConnection(c -> {
            String sql = "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)";
            try (PreparedStatement ps = db.prepare(c, sql, "id")) {
                Rows.setInstant(ps, 1, at);
                ps.setString(2, actor);
                ps.setString(3, action);
                Rows.setNullableString(ps, 4, target);
                ps.setString(5, json);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
        return new AuditEntry(id, at, actor, action, target, json);
    }

    /** The newest {@code limit} entries, newest first. */
    public List<AuditEntry> recent(int limit) {
        return query("SELECT " + COLUMNS + " FROM audit_log ORDER BY id DESC LIMIT ?", null, limit);
    }

    /** The entries about one object, newest first. */
    public List<AuditEntry> forTarget(String target, int limit) {
        return query("SELECT " + COLUMNS + " FROM audit_log WHERE target = ? ORDER BY id DESC LIMIT ?", target, limit);
    }

    /**
     * The newest {@code limit} entries matching every given filter (null: any): the actor exactly, the object id
     * exactly, and {@code from <= at < to}. Newest first.
     */
    public List<AuditEntry> search(String actor, String target, Instant from, Instant to, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM audit_log WHERE 1 = 1");
        if (actor != null) sql.append(" AND actor = ?");
        if (target != null) sql.append(" AND target = ?");
        if (from != null) sql.append(" AND at >= ?");
        if (to != null) sql.append(" AND at < ?");
        sql.append(" ORDER BY id DESC LIMIT ?");
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, sql.toString())) {
                int i = 1;
                if (actor != null) ps.setString(i++, actor);
                if (target != null) ps.setString(i++, target);
                if (from != null) Rows.setInstant(ps, i++, from);
                if (to != null) Rows.setInstant(ps, i++, to);
                ps.setInt(i, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    List<AuditEntry> out = new ArrayList<>();
                    while (rs.next()) out.add(read(rs));
                    return out;
                }
            }
        });
    }

    private List<AuditEntry> query(String sql, String target, int limit) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, sql)) {
                int i = 1;
                if (target != null) ps.setString(i++, target);
                ps.setInt(i, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    List<AuditEntry> out = new ArrayList<>();
                    while (rs.next()) out.add(read(rs));
                    return out;
                }
            }
        });
    }

    private static AuditEntry read(ResultSet rs) throws SQLException {
        return new AuditEntry(rs.getLong("id"), Rows.instant(rs, "at"), rs.getString("actor"), rs.getString("action"),
                rs.getString("target"), rs.getString("detail"));
    }

    private static String toJson(Map<String, ?> detail) {
        try {
            return JSON.writeValueAsString(detail == null ? Map.of() : detail);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit detail is not serialisable to JSON", e);
        }
    }

    static String maskSecrets(String text) {
        Matcher m = SECRET_LIKE.matcher(text);
        return m.replaceAll(r -> Matcher.quoteReplacement(KeyMask.mask(r.group())));
    }
}
