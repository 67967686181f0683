package dev.sluice.gateway.store;

import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The one unchecked failure of this package. {@link #reason()} lets the admin API answer 409 or 404 without parsing
 * vendor messages; the message never carries row values (and secrets never reach SQL in the first place).
 */
public class StoreException extends RuntimeException {

    public enum Reason {
        /** A unique key already exists (same email, same key hash, same membership). */
        CONFLICT,
        /** A referenced row does not exist (unknown org, project, user or service account). */
        MISSING_REFERENCE,
        /** The target is in a state that forbids the change (e.g. a key for an archived project). */
        INVALID_STATE,
        /** The database could not be reached or stayed busy. */
        UNAVAILABLE,
        /** Anything else. */
        FAILED
    }

    private final Reason reason;

    public StoreException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public StoreException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    static StoreException from(SQLException e) {
        Reason reason = classify(e);
        String message = switch (reason) {
            case CONFLICT -> "already exists";
            case MISSING_REFERENCE -> "refers to a row that does not exist";
            case INVALID_STATE -> "not allowed in the current state";
            case UNAVAILABLE -> "database unavailable";
            case FAILED -> "database operation failed";
        };
        return new StoreException(reason, message, e);
    }

    private static Reason classify(SQLException e) {
        if (e instanceof SQLiteException s) {
            SQLiteErrorCode code = s.getResultCode();
            return switch (code) {
                case SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY -> Reason.CONFLICT;
                case SQLITE_CONSTRAINT_FOREIGNKEY -> Reason.MISSING_REFERENCE;
                case SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY, SQLITE_BUSY_TIMEOUT, SQLITE_LOCKED,
                     SQLITE_CANTOPEN -> Reason.UNAVAILABLE;
                default -> Reason.FAILED;
            };
        }
        String state = e.getSQLState();
        if (state == null) return Reason.FAILED;
        if (state.equals("23505")) return Reason.CONFLICT;
        if (state.equals("23503")) return Reason.MISSING_REFERENCE;
        if (state.startsWith("08") || state.equals("57P01") || state.equals("53300")) return Reason.UNAVAILABLE;
        return Reason.FAILED;
    }
}
