package dev.sluice.gateway.store;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Batches and their finished lines. Every status change is a compare-and-set on the current status, so two
 * gateways (or a cancel racing the runner) cannot both move one batch; line results are inserted at most once per
 * (batch, custom_id) and the request counts move in the same transaction, so the counts always equal the rows.
 */
public final class BatchRecords {

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final String COLUMNS = "id, org_id, project_id, batch_key_id, endpoint, input_file_id, input_name,"
            + " completion_window, status, output_file_id, error_file_id, errors, metadata, total, completed, failed,"
            + " created_at, in_progress_at, expires_at, finalizing_at, completed_at, failed_at, expired_at,"
            + " cancelling_at, cancelled_at";
    private static final String ACTIVE = "('validating', 'in_progress', 'finalizing', 'cancelling')";

    private final Database db;

    public BatchRecords(Database db) {
        this.db = db;
    }

    /** A new unguessable batch id ({@code batch_…}). */
    public static String newId() {
        return Ids.next("batch_");
    }

    public void insert(BatchRecord b) {
        db.withConnection(c -> {
            String sql = "INSERT INTO batches (id, org_id, project_id, creator_key_id, batch_key_id, endpoint,"
                    + " input_file_id, input_name, completion_window, status, metadata, created_at, expires_at)"
                    + " VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, b.id());
                ps.setString(2, b.orgId());
                ps.setString(3, b.projectId());
                Rows.setNullableString(ps, 4, b.batchKeyId());
                ps.setString(5, b.endpoint());
                ps.setString(6, b.inputFileId());
                ps.setString(7, b.inputName());
                ps.setString(8, b.completionWindow());
                ps.setString(9, b.status().wire());
                Rows.setNullableString(ps, 10, b.metadata() == null ? null : write(b.metadata()));
                Rows.setInstant(ps, 11, Rows.millis(b.times().createdAt()));
                Rows.setInstant(ps, 12, Rows.millis(b.times().expiresAt()));
                return ps.executeUpdate();
            }
        });
    }

    /** Records who created the batch (the caller's key), for audit. */
    public void creator(String batchId, String keyId) {
        update("UPDATE batches SET creator_key_id = ? WHERE id = ?", keyId, batchId);
    }

    /** The batch if it exists in this project. */
    public Optional<BatchRecord> find(String projectId, String id) {
        return one("SELECT " + COLUMNS + " FROM batches WHERE id = ? AND project_id = ?", id, projectId);
    }

    /** The batch, whichever project owns it (for the runner). */
    public Optional<BatchRecord> get(String id) {
        return one("SELECT " + COLUMNS + " FROM batches WHERE id = ?", id);
    }

    /** A page of the project's batches, newest first, after the batch {@code after} (null: from the newest). */
    public Page<BatchRecord> list(String projectId, String after, int limit) {
        BatchRecord cursor = after == null ? null : find(projectId, after).orElse(null);
        if (after != null && cursor == null) return new Page<>(List.of(), false);
        return db.withConnection(c -> {
            String sql = "SELECT " + COLUMNS + " FROM batches WHERE project_id = ?"
                    + (cursor == null ? "" : " AND (created_at < ? OR (created_at = ? AND id < ?))")
                    + " ORDER BY created_at DESC, id DESC LIMIT ?";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                int i = 1;
                ps.setString(i++, projectId);
                if (cursor != null) {
                    Rows.setInstant(ps, i++, cursor.times().createdAt());
                    Rows.setInstant(ps, i++, cursor.times().createdAt());
                    ps.setString(i++, cursor.id());
                }
                ps.setInt(i, limit + 1);
                List<BatchRecord> out = readAll(ps);
                boolean more = out.size() > limit;
                return new Page<>(more ? out.subList(0, limit) : out, more);
            }
        });
    }

    /** Ids of the batches not yet in a final status (validating, in_progress, finalizing, cancelling). */
    public List<String> activeIds() {
        return db.withConnection(c -> {
            String sql = "SELECT id FROM batches WHERE status IN " + ACTIVE + " ORDER BY created_at, id";
            try (PreparedStatement ps = db.prepare(c, sql); ResultSet rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) out.add(rs.getString(1));
                return out;
            }
        });
    }

    public Optional<BatchStatus> status(String id) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT status FROM batches WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(BatchStatus.of(rs.getString(1))) : Optional.empty();
                }
            }
        });
    }

    /** validating → in_progress with its line count. */
    public boolean toInProgress(String id, int total, Instant at) {
        return update("UPDATE batches SET status = 'in_progress', total = ?, in_progress_at = ?"
                + " WHERE id = ? AND status = 'validating'", total, at, id) == 1;
    }

    /** validating → failed with the validation errors. */
    public boolean toFailed(String id, List<BatchRecord.LineError> errors, Instant at) {
        return update("UPDATE batches SET status = 'failed', errors = ?, failed_at = ?, runner_id = NULL,"
                + " lease_until = NULL WHERE id = ? AND status = 'validating'", write(errors), at, id) == 1;
    }

    /** validating | in_progress → cancelling. False if the batch is in any other status. */
    public boolean toCancelling(String id, Instant at) {
        return update("UPDATE batches SET status = 'cancelling', cancelling_at = ?"
                + " WHERE id = ? AND status IN ('validating', 'in_progress')", at, id) == 1;
    }

    /** in_progress → finalizing (every line has its result). */
    public boolean toFinalizing(String id, Instant at) {
        return update("UPDATE batches SET status = 'finalizing', finalizing_at = ?"
                + " WHERE id = ? AND status = 'in_progress'", at, id) == 1;
    }

    /**
     * finalizing → completed, in_progress → expired or cancelling → cancelled, with the batch's files and the
     * request counts recounted from the lines. Run inside the transaction that also creates the files.
     */
    public boolean finish(String id, BatchStatus to, String outputFileId, String errorFileId, Instant at) {
        String column = switch (to) {
            case COMPLETED -> "completed_at";
            case EXPIRED -> "expired_at";
            case CANCELLED -> "cancelled_at";
            default -> throw new IllegalArgumentException("not a final status after running: " + to);
        };
        String from = switch (to) {
            case COMPLETED -> "'finalizing'";
            case EXPIRED -> "'in_progress'";
            default -> "'cancelling'";
        };
        return update("UPDATE batches SET status = ?, " + column + " = ?, output_file_id = ?, error_file_id = ?,"
                + " completed = (SELECT COUNT(*) FROM batch_lines WHERE batch_id = ? AND ok = 1),"
                + " failed = (SELECT COUNT(*) FROM batch_lines WHERE batch_id = ? AND ok = 0),"
                + " runner_id = NULL, lease_until = NULL"
                + " WHERE id = ? AND status = " + from,
                to.wire(), at, outputFileId, errorFileId, id, id, id) == 1;
    }

    /**
     * Records finished lines, each at most once per (batch, custom_id), and moves the request counts by the lines
     * actually inserted, in one transaction. Returns how many were new.
     */
    public int recordLines(String batchId, List<LineResult> lines, Instant at) {
        if (lines.isEmpty()) return 0;
        return db.transaction(c -> {
            int completed = 0;
            int failed = 0;
            String sql = "INSERT INTO batch_lines (batch_id, custom_id, line_no, ok, result, created_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (batch_id, custom_id) DO NOTHING";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                for (LineResult l : lines) {
                    ps.setString(1, batchId);
                    ps.setString(2, l.customId());
                    ps.setInt(3, l.lineNo());
                    ps.setInt(4, l.ok() ? 1 : 0);
                    ps.setString(5, l.resultJson());
                    Rows.setInstant(ps, 6, at);
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] == 0) continue;
                    if (lines.get(i).ok()) completed++;
                    else failed++;
                }
            }
            update(c, "UPDATE batches SET completed = completed + ?, failed = failed + ? WHERE id = ?",
                    completed, failed, batchId);
            return completed + failed;
        });
    }

    /** The custom_ids of the lines that already have a result (a resumed batch skips them). */
    public Set<String> finishedCustomIds(String batchId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT custom_id FROM batch_lines WHERE batch_id = ?")) {
                ps.setString(1, batchId);
                try (ResultSet rs = ps.executeQuery()) {
                    Set<String> out = new HashSet<>();
                    while (rs.next()) out.add(rs.getString(1));
                    return out;
                }
            }
        });
    }

    /** Streams the result lines of one file (ok: output, else error) in input order. */
    public void forEachLine(String batchId, boolean ok, Consumer<String> line) {
        db.withConnection(c -> {
            String sql = "SELECT result FROM batch_lines WHERE batch_id = ? AND ok = ? ORDER BY line_no";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setFetchSize(500);
                ps.setString(1, batchId);
                ps.setInt(2, ok ? 1 : 0);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) line.accept(rs.getString(1));
                }
            }
            return null;
        });
    }

    /** Drops the line rows once the output and error files hold them. */
    public void deleteLines(String batchId) {
        update("DELETE FROM batch_lines WHERE batch_id = ?", batchId);
    }

    /**
     * Claims the batch for {@code runnerId} until {@code until} if nobody holds it, this runner already does, or the
     * holder's lease ran out before {@code now}. True when this runner holds it afterwards.
     */
    public boolean claim(String id, String runnerId, Instant until, Instant now) {
        return update("UPDATE batches SET runner_id = ?, lease_until = ? WHERE id = ? AND status IN " + ACTIVE
                + " AND (runner_id IS NULL OR runner_id = ? OR lease_until < ?)", runnerId, until, id, runnerId, now) == 1;
    }

    /** Forgets every claim (embedded mode at start: one process owns the database, so old claims are stale). */
    public void releaseAllClaims() {
        update("UPDATE batches SET runner_id = NULL, lease_until = NULL WHERE runner_id IS NOT NULL");
    }

    private Optional<BatchRecord> one(String sql, Object... args) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, sql)) {
                bind(ps, args);
                List<BatchRecord> all = readAll(ps);
                return all.isEmpty() ? Optional.empty() : Optional.of(all.getFirst());
            }
        });
    }

    private int update(String sql, Object... args) {
        return db.withConnection(c -> update(c, sql, args));
    }

    private int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = db.prepare(c, sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Instant t) Rows.setInstant(ps, i + 1, Rows.millis(t));
            else if (a instanceof Integer n) ps.setInt(i + 1, n);
            else if (a == null) ps.setNull(i + 1, java.sql.Types.VARCHAR);
            else ps.setString(i + 1, a.toString());
        }
    }

    private static List<BatchRecord> readAll(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            List<BatchRecord> out = new ArrayList<>();
            while (rs.next()) out.add(read(rs));
            return out;
        }
    }

    private static BatchRecord read(ResultSet rs) throws SQLException {
        BatchRecord.Times times = new BatchRecord.Times(Rows.instant(rs, "created_at"),
                Rows.instant(rs, "in_progress_at"), Rows.instant(rs, "expires_at"), Rows.instant(rs, "finalizing_at"),
                Rows.instant(rs, "completed_at"), Rows.instant(rs, "failed_at"), Rows.instant(rs, "expired_at"),
                Rows.instant(rs, "cancelling_at"), Rows.instant(rs, "cancelled_at"));
        String errors = rs.getString("errors");
        String metadata = rs.getString("metadata");
        return new BatchRecord(rs.getString("id"), rs.getString("org_id"), rs.getString("project_id"),
                rs.getString("batch_key_id"), rs.getString("endpoint"), rs.getString("input_file_id"),
                rs.getString("input_name"), rs.getString("completion_window"), metadata == null ? null
                : read(metadata, new TypeReference<Map<String, String>>() { }),
                BatchStatus.of(rs.getString("status")), rs.getString("output_file_id"), rs.getString("error_file_id"),
                errors == null ? null : read(errors, new TypeReference<List<BatchRecord.LineError>>() { }),
                new BatchRecord.Counts(rs.getInt("total"), rs.getInt("completed"), rs.getInt("failed")), times);
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T read(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new StoreException(StoreException.Reason.FAILED, "unreadable stored JSON", e);
        }
    }
}
