package dev.sluice.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Files API's metadata rows, always looked up within the caller's project so another project's id reads as
 * unknown. Listings page by a cursor ({@code after} = an id of the previous page), newest first by default.
 */
public final class FileRecords {

    private static final String COLUMNS = "id, org_id, project_id, purpose, filename, bytes, line_count, status,"
            + " storage_name, created_at";

    private final Database db;

    public FileRecords(Database db) {
        this.db = db;
    }

    /** A new unguessable file id ({@code file-…}). */
    public static String newId() {
        return Ids.next("file-");
    }

    public void insert(FileRecord f) {
        db.withConnection(c -> {
            String sql = "INSERT INTO files (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, f.id());
                ps.setString(2, f.orgId());
                ps.setString(3, f.projectId());
                ps.setString(4, f.purpose());
                ps.setString(5, f.filename());
                ps.setLong(6, f.bytes());
                ps.setInt(7, f.lineCount());
                ps.setString(8, f.status());
                ps.setString(9, f.storageName());
                Rows.setInstant(ps, 10, Rows.millis(f.createdAt()));
                return ps.executeUpdate();
            }
        });
    }

    /** The file if it exists in this project. */
    public Optional<FileRecord> find(String projectId, String id) {
        return db.withConnection(c -> {
            String sql = "SELECT " + COLUMNS + " FROM files WHERE id = ? AND project_id = ?";
            try (PreparedStatement ps = db.prepare(c, sql)) {
                ps.setString(1, id);
                ps.setString(2, projectId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /**
     * A page of the project's files ordered by creation time (newest first unless {@code ascending}), starting
     * after the file {@code after} (null: from the start), optionally only one purpose.
     */
    public Page<FileRecord> list(String projectId, String purpose, String after, int limit, boolean ascending) {
        FileRecord cursor = after == null ? null : find(projectId, after).orElse(null);
        if (after != null && cursor == null) return new Page<>(List.of(), false);
        return db.withConnection(c -> {
            String cmp = ascending ? ">" : "<";
            String dir = ascending ? "ASC" : "DESC";
            StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM files WHERE project_id = ?");
            if (purpose != null) sql.append(" AND purpose = ?");
            if (cursor != null) sql.append(" AND (created_at ").append(cmp).append(" ? OR (created_at = ? AND id ")
                    .append(cmp).append(" ?))");
            sql.append(" ORDER BY created_at ").append(dir).append(", id ").append(dir).append(" LIMIT ?");
            try (PreparedStatement ps = db.prepare(c, sql.toString())) {
                int i = 1;
                ps.setString(i++, projectId);
                if (purpose != null) ps.setString(i++, purpose);
                if (cursor != null) {
                    Rows.setInstant(ps, i++, cursor.createdAt());
                    Rows.setInstant(ps, i++, cursor.createdAt());
                    ps.setString(i++, cursor.id());
                }
                ps.setInt(i, limit + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    List<FileRecord> out = new ArrayList<>();
                    while (rs.next()) out.add(read(rs));
                    boolean more = out.size() > limit;
                    return new Page<>(more ? out.subList(0, limit) : out, more);
                }
            }
        });
    }

    /** Deletes the row; false if the project has no such file. */
    public boolean delete(String projectId, String id) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "DELETE FROM files WHERE id = ? AND project_id = ?")) {
                ps.setString(1, id);
                ps.setString(2, projectId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static FileRecord read(ResultSet rs) throws SQLException {
        return new FileRecord(rs.getString("id"), rs.getString("org_id"), rs.getString("project_id"),
                rs.getString("purpose"), rs.getString("filename"), rs.getLong("bytes"), rs.getInt("line_count"),
                rs.getString("status"), rs.getString("storage_name"), Rows.instant(rs, "created_at"));
    }
}
