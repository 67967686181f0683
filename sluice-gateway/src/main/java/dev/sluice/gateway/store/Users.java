package dev.sluice.gateway.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Users, identified by a unique (case-insensitive) email. */
public final class Users {

    private static final String COLUMNS = "id, email, name, created_at";

    private final Database db;
    private final Clock clock;

    public Users(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Creates a user; {@link StoreException.Reason#CONFLICT} if the email is taken. */
    public User create(String email, String name) {
        Organizations.requireName(name);
        User user = new User(Ids.next(Ids.USER), normalize(email), name, Rows.now(clock));
        db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "INSERT INTO users (" + COLUMNS + ") VALUES (?, ?, ?, ?)")) {
                ps.setString(1, user.id());
                ps.setString(2, user.email());
                ps.setString(3, user.name());
                Rows.setInstant(ps, 4, user.createdAt());
                return ps.executeUpdate();
            }
        });
        return user;
    }

    public Optional<User> find(String userId) {
        return findOne("id", userId);
    }

    public Optional<User> findByEmail(String email) {
        return findOne("email", normalize(email));
    }

    /** All users, oldest first. */
    public List<User> list() {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT " + COLUMNS + " FROM users ORDER BY created_at, id");
                 ResultSet rs = ps.executeQuery()) {
                List<User> out = new ArrayList<>();
                while (rs.next()) out.add(read(rs));
                return out;
            }
        });
    }

    private Optional<User> findOne(String column, String value) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = db.prepare(c, "SELECT " + COLUMNS + " FROM users WHERE " + column + " = ?")) {
                ps.setString(1, value);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    private static User read(ResultSet rs) throws SQLException {
        return new User(rs.getString("id"), rs.getString("email"), rs.getString("name"), Rows.instant(rs, "created_at"));
    }

    private static String normalize(String email) {
        if (email == null || email.isBlank() || !email.contains("@")) {
            throw new IllegalArgumentException("not an email address: " + email);
        }
        return email.strip().toLowerCase(Locale.ROOT);
    }
}
