package dev.sluice.sim.internal;

import dev.sluice.protocol.ErrorKind;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The parsed {@code x-sluice-sim} directives of one request. Absent numbers are -1. Parsing is strict (an unknown
 * name or a bad value is a 400 naming the directive) so a typo in a test cannot silently turn a fault off.
 * {@code source} is the directive text normalised ({@code name=value;...}); it is part of the fail_times attempt key.
 */
public record Directives(int status, Shape shape, int failTimes, int delayMs, int ttftMs, int tps, int tokens,
                         int disconnectAfter, int streamErrorAfter, boolean hang, boolean malformed, String source,
                         String error) {

    /** Error body forms. */
    public enum Shape { OPENAI, DETAIL, TEXT }

    public static final Directives NONE =
            new Directives(-1, Shape.OPENAI, -1, -1, -1, -1, -1, -1, -1, false, false, "", null);

    /** Statuses {@code status=} accepts. */
    public static final Set<Integer> STATUSES =
            Set.of(400, 401, 402, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504, 529);

    static final String NAMES = "status, shape, fail_times, delay_ms, ttft_ms, tps, tokens, disconnect_after, "
            + "stream_error_after, hang, malformed, error";

    private static final int MAX_MS = 600_000;
    private static final int MAX_COUNT = 1_000_000;

    /** True when the request asks for a failure answer (always, or for its first fail_times attempts). */
    public boolean failing() {
        return status >= 0 || failTimes >= 0 || error != null && streamErrorAfter < 0;
    }

    /** The chunk count after which a stream breaks (the smaller of the two stream faults), or -1. */
    public int streamFaultAt() {
        if (disconnectAfter < 0) return streamErrorAfter;
        if (streamErrorAfter < 0) return disconnectAfter;
        return Math.min(disconnectAfter, streamErrorAfter);
    }

    /** Whether the stream fault at {@link #streamFaultAt()} is a connection reset (else an in-band error). */
    public boolean streamFaultDisconnects() {
        return disconnectAfter >= 0 && (streamErrorAfter < 0 || disconnectAfter <= streamErrorAfter);
    }

    public static Directives parse(String text) {
        if (text == null || text.isBlank()) return NONE;
        int status = -1, failTimes = -1, delayMs = -1, ttftMs = -1, tps = -1, tokens = -1;
        int disconnectAfter = -1, streamErrorAfter = -1;
        boolean hang = false, malformed = false;
        String error = null;
        Shape shape = Shape.OPENAI;
        Set<String> seen = new LinkedHashSet<>();
        StringJoiner normalized = new StringJoiner(";");
        for (String raw : text.split(";")) {
            String part = raw.trim();
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            String name = (eq < 0 ? part : part.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? null : part.substring(eq + 1).trim();
            if (!seen.add(name)) throw bad("directive '" + name + "' is given twice");
            normalized.add(value == null ? name : name + "=" + value);
            switch (name) {
                case "status" -> {
                    status = number(name, value, 0, 999);
                    if (!STATUSES.contains(status)) {
                        throw bad("directive 'status' must be one of " + STATUSES.stream().sorted().toList()
                                + ", got '" + value + "'");
                    }
                }
                case "shape" -> shape = switch (value == null ? "" : value.toLowerCase(Locale.ROOT)) {
                    case "detail" -> Shape.DETAIL;
                    case "text" -> Shape.TEXT;
                    case "openai" -> Shape.OPENAI;
                    default -> throw bad("directive 'shape' must be detail, text or openai, got '" + value + "'");
                };
                case "fail_times" -> failTimes = number(name, value, 0, MAX_COUNT);
                case "delay_ms" -> delayMs = number(name, value, 0, MAX_MS);
                case "ttft_ms" -> ttftMs = number(name, value, 0, MAX_MS);
                case "tps" -> tps = number(name, value, 0, MAX_COUNT);
                case "tokens" -> tokens = number(name, value, 0, 200_000);
                case "disconnect_after" -> disconnectAfter = number(name, value, 0, MAX_COUNT);
                case "stream_error_after" -> streamErrorAfter = number(name, value, 0, MAX_COUNT);
                case "hang" -> hang = flag(name, value);
                case "malformed" -> malformed = flag(name, value);
                case "error" -> {
                    if (value == null || !value.matches("[A-Za-z][A-Za-z0-9_]{0,63}")) {
                        throw bad("directive 'error' needs a provider error name, e.g. error=overloaded_error, "
                                + "error=RESOURCE_EXHAUSTED or error=ThrottlingException");
                    }
                    error = value;
                }
                default -> throw bad("unknown directive '" + name + "' (known: " + NAMES + ")");
            }
        }
        if (seen.isEmpty()) return NONE;
        return new Directives(status, shape, failTimes, delayMs, ttftMs, tps, tokens, disconnectAfter,
                streamErrorAfter, hang, malformed, normalized.toString(), error);
    }

    private static int number(String name, String value, int min, int max) {
        if (value == null || value.isEmpty()) throw bad("directive '" + name + "' needs a value, e.g. " + name + "=1");
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad("directive '" + name + "' must be an integer in " + min + ".." + max + ", got '" + value + "'");
    }

    private static boolean flag(String name, String value) {
        if (value == null || value.equalsIgnoreCase("true") || value.equals("1")) return true;
        throw bad("directive '" + name + "' takes no value, got '" + value + "'");
    }

    private static SimError bad(String why) {
        return SimError.at(ErrorKind.INVALID_VALUE, SimRoutes.SIM_HEADER, "why", why);
    }
}
