package dev.sluice.gateway.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import net.logstash.logback.encoder.LogstashEncoder;

import java.io.Flushable;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * The access log writer's output in production: logger {@code sluice.access}. When logback is configured as
 * logback.xml configures it — the access logger and its parents have no appender of their own and are additive,
 * the root's one appender is a {@link BatchingConsoleAppender} without filters whose encoder is a
 * {@link LogstashEncoder}, no turbo filter, no MDC on the writing thread — and that encoder writes, for a set of
 * probe lines, exactly the bytes {@link AccessJson} writes, each line is written by {@link AccessJson} straight into
 * the appender's buffer (no logging event, no map, no JSON generator). Any other configuration (a logback.xml of the
 * operator's own, {@code log.format: text}, a test's list appender, an encoder with other settings) gets the
 * logging events exactly as before: {@code LOG.info(fields, "{} {} {}", method, route, status)}. The check is made at
 * each batch; the probe once per appender and encoder.
 */
final class LogbackAccessOutput implements AccessLogWriter.Output {
    private static final String ACCESS = "sluice.access";
    /** Bytes of direct lines collected before they are handed to the appender's buffer. */
    static final int CHUNK = 32 * 1024;

    private final LoggerContext context; // null: the context slf4j is bound to, looked up at each batch
    private final Clock clock;
    private AccessJson json; // direct lines for this batch; null: logging events
    private BatchingConsoleAppender target;
    private String threadName;
    // The appender and encoder the probe last passed (or failed) for, and its verdict.
    private BatchingConsoleAppender probedAppender;
    private Object probedEncoder;
    private AccessJson probedJson;

    /** {@code context} null: slf4j's; {@code clock}: the lines' {@code @timestamp} on the direct path. */
    LogbackAccessOutput(LoggerContext context, Clock clock) {
        this.context = context;
        this.clock = clock;
    }

    /** Whether the current batch is written directly (tests). */
    boolean direct() {
        return json != null;
    }

    @Override
    public void begin() {
        json = null;
        target = null;
        LoggerContext ctx = context();
        if (ctx == null) return;
        BatchingConsoleAppender appender = defaultAppender(ctx);
        if (appender == null) return;
        Object encoder = appender.getEncoder();
        if (appender != probedAppender || encoder != probedEncoder) {
            probedAppender = appender;
            probedEncoder = encoder;
            probedJson = encoder instanceof LogstashEncoder e && e.getClass() == LogstashEncoder.class
                    && e.isStarted() && probe(ctx, e) ? new AccessJson(ZoneId.systemDefault(), System.lineSeparator())
                    : null;
        }
        if (probedJson == null) return;
        json = probedJson;
        json.reset();
        target = appender;
        threadName = Thread.currentThread().getName();
    }

    @Override
    public void write(AccessRecord r) {
        if (json == null) {
            logger().info(new AccessFields(r.fields()), "{} {} {}", r.method(), r.route(), r.status());
            return;
        }
        json.append(r, clock.instant(), threadName);
        if (json.size() >= CHUNK) {
            target.writeAccessLines(json.bytes(), 0, json.size());
            json.reset();
        }
    }

    @Override
    public void flush() {
        if (json != null && json.size() > 0) {
            target.writeAccessLines(json.bytes(), 0, json.size());
            json.reset();
        }
        LoggerContext ctx = context();
        if (ctx == null) return;
        flushAppenders(ctx.getLogger(ACCESS));
        flushAppenders(ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME));
    }

    private LoggerContext context() {
        if (context != null) return context;
        return org.slf4j.LoggerFactory.getILoggerFactory() instanceof LoggerContext lc ? lc : null;
    }

    private org.slf4j.Logger logger() {
        return context != null ? context.getLogger(ACCESS) : org.slf4j.LoggerFactory.getLogger(ACCESS);
    }

    private static void flushAppenders(Logger logger) {
        for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof Flushable f) {
                try {
                    f.flush();
                } catch (IOException e) {
                    // the appender reports its own output failures; the next batch tries again
                }
            }
        }
    }

    /** The root's {@link BatchingConsoleAppender} when an access event would reach it and nothing else; else null. */
    private static BatchingConsoleAppender defaultAppender(LoggerContext ctx) {
        if (!ctx.getTurboFilterList().isEmpty()) return null;
        Logger access = ctx.getLogger(ACCESS);
        if (!access.isInfoEnabled() || !access.isAdditive() || access.iteratorForAppenders().hasNext()) return null;
        Logger parent = ctx.exists("sluice");
        if (parent != null && (!parent.isAdditive() || parent.iteratorForAppenders().hasNext())) return null;
        Iterator<Appender<ILoggingEvent>> it = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
        if (!it.hasNext()) return null;
        Appender<ILoggingEvent> only = it.next();
        if (it.hasNext() || only.getClass() != BatchingConsoleAppender.class || !only.isStarted()
                || !only.getCopyOfAttachedFiltersList().isEmpty()) return null;
        Map<String, String> mdc = ctx.getMDCAdapter() == null ? null : ctx.getMDCAdapter().getCopyOfContextMap();
        if (mdc != null && !mdc.isEmpty()) return null;
        return (BatchingConsoleAppender) only;
    }

    // The probe: lines of every kind, with what JSON escapes, what UTF-8 encodes in 2, 3 and 4 bytes, broken
    // surrogates, long strings (Jackson's segments), extreme numbers; at instants with and without a fraction, in
    // winter and in summer (a zone's offsets).
    private static final String[] PROBE_STRINGS = {
            "req_01a224dbccf2bf60f5002ddb4592fe74", "", "q\"b\\s/\b\t\n\f\r\u0000\u0001\u001f\u007f",
            "é ß 漢字 \u2028 \uFFFF 😀", "lone \uDC00 and \uD800x", "end\uD800",
            "x".repeat(999) + "😀" + "y".repeat(1200) + "\uD83D", "</script>"};
    private static final String[] PROBE_INSTANTS = {"2026-01-15T01:11:54.496346923Z", "2026-07-15T12:00:00Z",
            "2026-07-15T12:00:00.100Z", "2026-01-01T00:00:00.000001Z"};

    static AccessRecord[] probeRecords() {
        String[] s = PROBE_STRINGS;
        return new AccessRecord[]{
                AccessRecord.connection(s[0], 431, "request_header_fields_too_large", "127.0.0.1"),
                AccessRecord.connection(s[2], 400, null, s[3]),
                new AccessRecord(AccessRecord.PLAIN, s[0], "GET", s[2], 404, "not_found", 1, "::1", null, null, null,
                        null, false, 0, 0, 0, null, -1, -1, null, s[4]),
                new AccessRecord(AccessRecord.EXCHANGE, s[3], "POST", "/v1/chat/completions", 200, null, 12,
                        "10.0.0.1", s[6], "org_1", s[5], "key_1", true, Integer.MAX_VALUE, 1, Integer.MIN_VALUE,
                        s[7], Long.MAX_VALUE, 0, null, "4bf92f3577b34da6a3ce929d0e0e4736"),
                new AccessRecord(AccessRecord.EXCHANGE, s[1], s[4], s[5], -1, s[2], Long.MIN_VALUE, null, null, null,
                        null, null, false, 0, 0, 0, null, -1, -1, "RPM/project", null)};
    }

    /**
     * The logging event of {@code r} as the events path logs it ({@code LOG.info(fields, "{} {} {}", method, route,
     * status)} on {@code sluice.access}), made at {@code at} on thread {@code thread}: what an encoder's bytes are
     * compared with.
     */
    static LoggingEvent event(LoggerContext ctx, AccessRecord r, Instant at, String thread) {
        LoggingEvent event = new LoggingEvent(Logger.FQCN, ctx.getLogger(ACCESS), Level.INFO, "{} {} {}", null,
                new Object[]{r.method(), r.route(), r.status()});
        event.setInstant(at);
        event.setThreadName(thread);
        event.addMarker(new AccessFields(r.fields()));
        return event;
    }

    /** Whether {@code encoder} writes the probe lines as {@link AccessJson} does. */
    static boolean probe(LoggerContext ctx, LogstashEncoder encoder) {
        try {
            AccessJson direct = new AccessJson(ZoneId.systemDefault(), System.lineSeparator());
            String thread = Thread.currentThread().getName();
            for (AccessRecord r : probeRecords()) {
                for (String at : PROBE_INSTANTS) {
                    Instant instant = Instant.parse(at);
                    byte[] expected = encoder.encode(event(ctx, r, instant, thread));
                    direct.reset();
                    direct.append(r, instant, thread);
                    if (!Arrays.equals(expected, 0, expected.length, direct.bytes(), 0, direct.size())) return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
