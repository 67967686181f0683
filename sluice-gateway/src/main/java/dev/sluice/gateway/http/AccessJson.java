package dev.sluice.gateway.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * Writes access lines as JSON straight into a byte buffer, byte for byte what logback.xml's {@code LogstashEncoder}
 * (logstash-logback-encoder 9 on jackson-core 3) writes for the same line: {@code @timestamp} (ISO offset date-time
 * in the zone given, fraction without trailing zeros), {@code message} ("METHOD route status"), {@code logger_name},
 * {@code thread_name}, {@code level}, then the line's fields in their order; strings escaped as Jackson's
 * UTF8JsonGenerator escapes them (quote, backslash and control characters; U+0080 and above as UTF-8; a high
 * surrogate joined with the character after it within one of Jackson's segments of {@value #SEGMENT} chars, else
 * escaped, and a lone low surrogate escaped). {@code AccessJsonTest} compares it with the encoder on thousands of
 * random lines; {@link LogbackAccessOutput} uses it only after the configured encoder wrote the same bytes for its
 * probe lines. One instance per writing thread (not thread-safe).
 */
final class AccessJson {
    /** Jackson's {@code _outputMaxContiguous} for its default 8000-byte buffer: longer strings go in segments. */
    static final int SEGMENT = 1000;
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** 0: as is; positive: the character after a backslash; -1: a backslash, u and four hex digits. */
    private static final int[] ESCAPES = new int[128];

    static {
        for (int c = 0; c < 0x20; c++) ESCAPES[c] = -1;
        ESCAPES['"'] = '"';
        ESCAPES['\\'] = '\\';
        ESCAPES['\b'] = 'b';
        ESCAPES['\t'] = 't';
        ESCAPES['\n'] = 'n';
        ESCAPES['\f'] = 'f';
        ESCAPES['\r'] = 'r';
    }

    private static final byte[] TIMESTAMP = ascii("{\"@timestamp\":\"");
    private static final byte[] MESSAGE = ascii("\",\"message\":");
    private static final byte[] AFTER_MESSAGE = ascii(",\"logger_name\":\"sluice.access\",\"thread_name\":");
    private static final byte[] LEVEL = ascii(",\"level\":\"INFO\"");
    private static final byte[] REQUEST_ID = name("request_id");
    private static final byte[] METHOD = name("method");
    private static final byte[] ROUTE = name("route");
    private static final byte[] STATUS = name("status");
    private static final byte[] ERROR_CODE = name("error_code");
    private static final byte[] LATENCY_MS = name("latency_ms");
    private static final byte[] CLIENT_IP = name("client_ip");
    private static final byte[] MODEL = name("model");
    private static final byte[] ORG_ID = name("org_id");
    private static final byte[] PROJECT_ID = name("project_id");
    private static final byte[] KEY_ID = name("key_id");
    private static final byte[] STREAM = name("stream");
    private static final byte[] PROMPT_TOKENS = name("prompt_tokens");
    private static final byte[] ATTEMPTS = name("attempts");
    private static final byte[] COMPLETION_TOKENS = name("completion_tokens");
    private static final byte[] DEPLOYMENT = name("deployment");
    private static final byte[] UPSTREAM_LATENCY_MS = name("upstream_latency_ms");
    private static final byte[] TTFT_MS = name("ttft_ms");
    private static final byte[] REFUSED_BY = name("refused_by");
    private static final byte[] TRACE_ID = name("trace_id");
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] MIN_LONG = ascii(Long.toString(Long.MIN_VALUE));

    private final ZoneId zone;
    private final byte[] end;
    private byte[] buf = new byte[64 * 1024];
    private int pos;
    // The second last written: its "yyyy-MM-ddTHH:mm:ss" and its offset ("Z", "+01:00"), formatted once per second.
    private long second = Long.MIN_VALUE;
    private byte[] secondText;
    private byte[] offsetText;
    // The thread name last written and its JSON string.
    private String threadName;
    private byte[] threadJson;
    // The fields whose values repeat from line to line (the same route, model, caller, deployment): each keeps the
    // value it last wrote and that value's JSON, copied again while the value is equal. Request and trace ids are
    // new on every line and are escaped each time.
    private final Last method = new Last(), route = new Last(), errorCode = new Last(), clientIp = new Last(),
            model = new Last(), orgId = new Last(), projectId = new Last(), keyId = new Last(),
            deployment = new Last(), refusedBy = new Last();
    // The message ("METHOD route status") last written, by its three parts, and its JSON string.
    private String messageMethod, messageRoute;
    private int messageStatus;
    private byte[] messageJson;

    /** A field's last written value and its JSON (a string, or {@code null}): what a value equal to it writes. */
    private static final class Last {
        String value;
        byte[] json = NULL;
    }

    /** Timestamps in {@code zone} (the encoder's: the JVM's default zone), lines ended by {@code lineSeparator}. */
    AccessJson(ZoneId zone, String lineSeparator) {
        this.zone = zone;
        this.end = ("}" + lineSeparator).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] name(String n) {
        return ascii(",\"" + n + "\":");
    }

    /** The bytes written since the last {@link #reset()}: {@code bytes()[0, size())}. */
    byte[] bytes() {
        return buf;
    }

    int size() {
        return pos;
    }

    void reset() {
        pos = 0;
    }

    /** Appends one line written at {@code instant} by a thread named {@code thread}; nothing if it fails. */
    void append(AccessRecord r, long epochSecond, int nanos, String thread) {
        int start = pos;
        try {
            line(r, epochSecond, nanos, thread);
        } catch (RuntimeException e) {
            pos = start;
            throw e;
        }
    }

    void append(AccessRecord r, Instant at, String thread) {
        append(r, at.getEpochSecond(), at.getNano(), thread);
    }

    private void line(AccessRecord r, long epochSecond, int nanos, String thread) {
        raw(TIMESTAMP);
        timestamp(epochSecond, nanos);
        raw(MESSAGE);
        if (r.status() == messageStatus && r.method() != null && r.route() != null
                && r.method().equals(messageMethod) && r.route().equals(messageRoute)) {
            raw(messageJson);
        } else {
            int from = pos;
            message(r.method(), r.route(), r.status());
            messageJson = Arrays.copyOfRange(buf, from, pos);
            messageMethod = r.method();
            messageRoute = r.route();
            messageStatus = r.status();
        }
        raw(AFTER_MESSAGE);
        if (!thread.equals(threadName)) {
            int from = pos;
            string(thread);
            threadJson = Arrays.copyOfRange(buf, from, pos);
            threadName = thread;
        } else {
            raw(threadJson);
        }
        raw(LEVEL);
        raw(REQUEST_ID);
        string(r.requestId());
        raw(METHOD);
        repeated(method, r.method());
        raw(ROUTE);
        repeated(route, r.route());
        raw(STATUS);
        number(r.status());
        raw(ERROR_CODE);
        repeated(errorCode, r.errorCode());
        raw(LATENCY_MS);
        number(r.latencyMs());
        raw(CLIENT_IP);
        repeated(clientIp, r.clientIp());
        if (r.kind() != AccessRecord.CONNECTION) {
            if (r.kind() == AccessRecord.EXCHANGE) {
                raw(MODEL);
                repeated(model, r.model());
                raw(ORG_ID);
                repeated(orgId, r.orgId());
                raw(PROJECT_ID);
                repeated(projectId, r.projectId());
                raw(KEY_ID);
                repeated(keyId, r.keyId());
                raw(STREAM);
                raw(r.stream() ? TRUE : FALSE);
                raw(PROMPT_TOKENS);
                number(r.promptTokens());
                raw(ATTEMPTS);
                number(r.attempts());
                raw(COMPLETION_TOKENS);
                number(r.completionTokens());
                raw(DEPLOYMENT);
                repeated(deployment, r.deployment());
                raw(UPSTREAM_LATENCY_MS);
                optionalNumber(r.upstreamLatencyMs());
                raw(TTFT_MS);
                optionalNumber(r.ttftMs());
                raw(REFUSED_BY);
                repeated(refusedBy, r.refusedBy());
            }
            raw(TRACE_ID);
            string(r.traceId());
        }
        raw(end);
    }

    private void timestamp(long epochSecond, int nanos) {
        if (epochSecond != second) {
            String text = DateTimeFormatter.ISO_OFFSET_DATE_TIME
                    .format(Instant.ofEpochSecond(epochSecond).atZone(zone));
            int t = text.indexOf('T') + 9; // "THH:mm:ss": no fraction at a whole second; the offset follows
            secondText = ascii(text.substring(0, t));
            offsetText = ascii(text.substring(t));
            second = epochSecond;
        }
        raw(secondText);
        if (nanos != 0) {
            int digits = 9;
            while (nanos % 10 == 0) {
                nanos /= 10;
                digits--;
            }
            ensure(digits + 1);
            buf[pos] = '.';
            for (int i = digits; i > 0; i--) {
                buf[pos + i] = (byte) ('0' + nanos % 10);
                nanos /= 10;
            }
            pos += digits + 1;
        }
        raw(offsetText);
    }

    /** The formatted message "{} {} {}" of method, route and status, as one JSON string. */
    private void message(String method, String route, int status) {
        if (method == null || route == null || hasHighSurrogate(method) || hasHighSurrogate(route)) {
            // a surrogate's neighbour, or the segment it falls in, depends on the whole message: escape it whole
            string(method + " " + route + " " + status);
            return;
        }
        ensure(1);
        buf[pos++] = '"';
        chars(method, 0, method.length());
        ensure(1);
        buf[pos++] = ' ';
        chars(route, 0, route.length());
        ensure(1);
        buf[pos++] = ' ';
        number(status);
        ensure(1);
        buf[pos++] = '"';
    }

    private static boolean hasHighSurrogate(String s) {
        for (int i = 0, n = s.length(); i < n; i++) if (Character.isHighSurrogate(s.charAt(i))) return true;
        return false;
    }

    /** {@code s} as a JSON string: copied from {@code last} when equal to the value written there before. */
    private void repeated(Last last, String s) {
        if (s == last.value || s != null && s.equals(last.value)) {
            raw(last.json);
            return;
        }
        int from = pos;
        string(s);
        last.json = Arrays.copyOfRange(buf, from, pos);
        last.value = s;
    }

    private void string(String s) {
        if (s == null) {
            raw(NULL);
            return;
        }
        ensure(1);
        buf[pos++] = '"';
        int n = s.length();
        if (n <= SEGMENT) {
            chars(s, 0, n);
        } else {
            // Jackson's segments: at most SEGMENT chars, one fewer when the last would be a high surrogate
            for (int off = 0, left = n; left > 0; ) {
                int len = Math.min(SEGMENT, left);
                if (len > 1 && Character.isHighSurrogate(s.charAt(off + len - 1))) len--;
                chars(s, off, off + len);
                off += len;
                left -= len;
            }
        }
        ensure(1);
        buf[pos++] = '"';
    }

    /** One segment of a string, escaped and UTF-8 encoded. */
    private void chars(String s, int from, int to) {
        ensure((to - from) * 6);
        byte[] b = buf;
        int p = pos;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                int esc = ESCAPES[c];
                if (esc == 0) {
                    b[p++] = (byte) c;
                } else if (esc > 0) {
                    b[p++] = '\\';
                    b[p++] = (byte) esc;
                } else {
                    p = unicodeEscape(b, p, c);
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xc0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3f));
            } else if (c >= 0xD800 && c <= 0xDFFF) {
                if (c <= 0xDBFF && i + 1 < to) {
                    // jackson-core 3.0's pairing: the next char's low ten bits, whatever it is
                    int cp = 0x10000 + ((c & 0x3ff) << 10) + (s.charAt(++i) & 0x3ff);
                    b[p++] = (byte) (0xf0 + ((cp >> 18) & 7));
                    b[p++] = (byte) (0x80 + ((cp >> 12) & 0x3f));
                    b[p++] = (byte) (0x80 + ((cp >> 6) & 0x3f));
                    b[p++] = (byte) (0x80 + (cp & 0x3f));
                } else {
                    p = unicodeEscape(b, p, c);
                }
            } else {
                b[p++] = (byte) (0xe0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                b[p++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        pos = p;
    }

    private static int unicodeEscape(byte[] b, int p, char c) {
        b[p++] = '\\';
        b[p++] = 'u';
        b[p++] = HEX[(c >> 12) & 0xf];
        b[p++] = HEX[(c >> 8) & 0xf];
        b[p++] = HEX[(c >> 4) & 0xf];
        b[p++] = HEX[c & 0xf];
        return p;
    }

    private void optionalNumber(long n) {
        if (n < 0) raw(NULL);
        else number(n);
    }

    private void number(long n) {
        if (n == Long.MIN_VALUE) {
            raw(MIN_LONG);
            return;
        }
        ensure(20);
        if (n < 0) {
            buf[pos++] = '-';
            n = -n;
        }
        int digits = 1;
        for (long m = n; m >= 10; m /= 10) digits++;
        for (int i = pos + digits - 1; i >= pos; i--) {
            buf[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        pos += digits;
    }

    private void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    private void ensure(int n) {
        if (pos + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }
}
