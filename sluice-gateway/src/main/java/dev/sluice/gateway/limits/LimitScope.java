package dev.sluice.gateway.limits;

/** The two levels a limit, budget or credit grant is set at. */
public enum LimitScope {
    ORGANIZATION("organization", 'o'),
    PROJECT("project", 'p');

    private final String value;
    private final char code;

    LimitScope(String value, char code) {
        this.value = value;
        this.code = code;
    }

    /** As stored in the database and shown by the admin API. */
    public String value() { return value; }

    char code() { return code; }

    public static LimitScope of(String value) {
        for (LimitScope s : values()) if (s.value.equals(value)) return s;
        throw new IllegalArgumentException("unknown scope " + value);
    }
}
