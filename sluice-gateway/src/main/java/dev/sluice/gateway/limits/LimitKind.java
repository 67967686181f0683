package dev.sluice.gateway.limits;

import dev.sluice.protocol.ErrorKind;

/**
 * The five limits of the contract, with their window, their unit and the words the 429 message uses for them. The
 * admin field names are OpenAI's project {@code rate_limits} fields ({@code max_tokens_per_1_day} is Sluice's).
 */
public enum LimitKind {
    RPM("requests per min", "RPM", 60_000L, Unit.REQUESTS, "max_requests_per_1_minute", "rpm", 'r'),
    RPD("requests per day", "RPD", 86_400_000L, Unit.REQUESTS, "max_requests_per_1_day", "rpd", 'R'),
    TPM("tokens per min", "TPM", 60_000L, Unit.TOKENS, "max_tokens_per_1_minute", "tpm", 't'),
    TPD("tokens per day", "TPD", 86_400_000L, Unit.TOKENS, "max_tokens_per_1_day", "tpd", 'T'),
    IPM("images per min", "IPM", 60_000L, Unit.IMAGES, "max_images_per_1_minute", "ipm", 'i');

    /** What a limit counts. */
    public enum Unit { REQUESTS, TOKENS, IMAGES }

    private final String words;
    private final String abbreviation;
    private final long windowMs;
    private final Unit unit;
    private final String field;
    private final String configName;
    private final char code;

    LimitKind(String words, String abbreviation, long windowMs, Unit unit, String field, String configName, char code) {
        this.words = words;
        this.abbreviation = abbreviation;
        this.windowMs = windowMs;
        this.unit = unit;
        this.field = field;
        this.configName = configName;
        this.code = code;
    }

    /** {@code requests per min}, as in the 429 message. */
    public String words() { return words; }

    /** {@code RPM}. */
    public String abbreviation() { return abbreviation; }

    public long windowMs() { return windowMs; }

    public Unit unit() { return unit; }

    /** The admin API field, e.g. {@code max_requests_per_1_minute}. */
    public String field() { return field; }

    /** The key under {@code limits.defaults.<family>.<level>} in sluice.yaml. */
    public String configName() { return configName; }

    /** One character in store keys. */
    char code() { return code; }

    /** The catalogue row of a 429 on this limit: type {@code tokens} for TPM/TPD, {@code requests} otherwise. */
    public ErrorKind errorKind() {
        return unit == Unit.TOKENS ? ErrorKind.RATE_LIMIT_TOKENS : ErrorKind.RATE_LIMIT_REQUESTS;
    }
}
