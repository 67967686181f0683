package dev.sluice.gateway.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.FilterReply;
import dev.sluice.testing.FakeTime;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.marker.MapEntriesAppendingMarker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production output of the access log writer: with logback configured as logback.xml configures it the lines are
 * written directly, byte for byte what the encoder writes for the same events, in one write per batch; any other
 * configuration (an appender of its own, a text layout, a turbo filter, an MDC, an encoder with other settings) gets
 * the logging events as before, checked again at each batch.
 */
class LogbackAccessOutputTest {
    private final LoggerContext ctx = LogbackXml.context();
    private final CountingOutput stdout = new CountingOutput();
    private final Ticking clock = new Ticking();
    private final BatchingConsoleAppender appender = new BatchingConsoleAppender();
    private LogstashEncoder encoder;
    private LogbackAccessOutput output;
    private AccessLogWriter writer;

    @AfterEach
    void stop() {
        if (writer != null) writer.close();
        appender.stop();
        ctx.stop();
    }

    /** A clock 1.5 ms further at each reading, from a second with a fraction; remembers what it gave. */
    private static final class Ticking extends Clock {
        Instant next = Instant.parse("2026-11-29T01:11:54.496346923Z");
        final List<Instant> given = new ArrayList<>();

        @Override
        public Instant instant() {
            Instant i = next;
            next = next.plusNanos(1_500_000);
            given.add(i);
            return i;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** Root → one BatchingConsoleAppender with logback.xml's encoder, or {@code encoder} given. */
    private void configure(ch.qos.logback.core.encoder.Encoder<ILoggingEvent> other) {
        if (other == null) encoder = LogbackXml.encoder(ctx, null);
        appender.setContext(ctx);
        appender.setEncoder(other != null ? other : encoder);
        appender.setTarget(stdout);
        appender.start();
        ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
        output = new LogbackAccessOutput(ctx, clock);
        writer = new AccessLogWriter(10_000, 10_000, 20, new FakeTime(), output).start("test-access-log");
    }

    private byte[] oracle(AccessRecord r, Instant at, String thread) {
        return encoder.encode(LogbackAccessOutput.event(ctx, r, at, thread));
    }

    private static AccessRecord line(String id, int status) {
        return new AccessRecord(AccessRecord.EXCHANGE, id, "POST", "/v1/chat/completions", status, null, 12,
                "127.0.0.1", "sim-mini", "org_1", "proj_1", "key_1", false, 9, 1, 3, "sim", 10, -1, null,
                "4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void theDefaultConfigurationIsWrittenDirectlyAsTheEncoderWritesItInOneWritePerBatch() {
        configure(null);
        writer.offer(line("req_a", 200));
        writer.offer(AccessRecord.connection("req_b", 431, "request_header_fields_too_large", "::1"));
        writer.offer(line("req_c", 429));
        writer.flushNow();
        assertThat(output.direct()).isTrue();
        assertThat(stdout.writes).isEqualTo(1);
        String thread = Thread.currentThread().getName();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(oracle(line("req_a", 200), clock.given.get(0), thread));
        expected.writeBytes(oracle(AccessRecord.connection("req_b", 431, "request_header_fields_too_large", "::1"),
                clock.given.get(1), thread));
        expected.writeBytes(oracle(line("req_c", 429), clock.given.get(2), thread));
        assertThat(new String(stdout.taken(), StandardCharsets.UTF_8))
                .isEqualTo(expected.toString(StandardCharsets.UTF_8));
    }

    @Test
    void thousandsOfRandomLinesInBatchesAreTheEncodersBytes() {
        configure(null);
        Random r = new Random(7);
        String thread = Thread.currentThread().getName();
        for (int batch = 0; batch < 4; batch++) {
            List<AccessRecord> lines = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) lines.add(AccessJsonTest.randomRecord(r));
            lines.forEach(writer::offer);
            int from = clock.given.size();
            writer.flushNow();
            assertThat(output.direct()).isTrue();
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (int i = 0; i < lines.size(); i++) {
                expected.writeBytes(oracle(lines.get(i), clock.given.get(from + i), thread));
            }
            assertThat(stdout.taken()).isEqualTo(expected.toByteArray());
        }
        assertThat(writer.droppedCount()).isZero();
    }

    @Test
    void anAppenderOfItsOwnGetsTheEventsAsBeforeAndTheConsoleTheEncodersBytes() {
        configure(null);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.setContext(ctx);
        events.start();
        ctx.getLogger("sluice.access").addAppender(events);
        AccessRecord conn = AccessRecord.connection("req_b", 400, "invalid_request_error", "::1");
        writer.offer(line("req_a", 200));
        writer.offer(conn);
        writer.flushNow();
        assertThat(output.direct()).isFalse();
        assertThat(events.list).hasSize(2);
        ILoggingEvent first = events.list.get(0);
        assertThat(first.getFormattedMessage()).isEqualTo("POST /v1/chat/completions 200");
        assertThat(first.getLoggerName()).isEqualTo("sluice.access");
        assertThat(first.getLevel()).isEqualTo(Level.INFO);
        assertThat(first.getMarkerList()).singleElement().isInstanceOf(MapEntriesAppendingMarker.class)
                .hasToString(line("req_a", 200).fields().toString());
        assertThat(events.list.get(1).getFormattedMessage()).isEqualTo("- - 400");
        Marker m = events.list.get(1).getMarkerList().get(0);
        assertThat(m).hasToString("{request_id=req_b, method=-, route=-, status=400, error_code=invalid_request_error,"
                + " latency_ms=0, client_ip=::1}");
        StringBuilder expected = new StringBuilder();
        for (ILoggingEvent e : events.list) expected.append(new String(encoder.encode(e), StandardCharsets.UTF_8));
        assertThat(new String(stdout.taken(), StandardCharsets.UTF_8)).isEqualTo(expected.toString());
    }

    @Test
    void aTextLayoutGetsTheEventsAsBefore() {
        LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
        text.setContext(ctx);
        PatternLayout layout = new PatternLayout();
        layout.setContext(ctx);
        layout.setPattern("%level %logger %msg%n");
        layout.start();
        text.setLayout(layout);
        text.start();
        configure(text);
        writer.offer(line("req_a", 200));
        writer.offer(AccessRecord.connection("req_b", 431, "request_header_fields_too_large", "::1"));
        writer.flushNow();
        assertThat(output.direct()).isFalse();
        assertThat(new String(stdout.taken(), StandardCharsets.UTF_8)).isEqualTo("INFO sluice.access POST "
                + "/v1/chat/completions 200" + System.lineSeparator() + "INFO sluice.access - - 431"
                + System.lineSeparator());
    }

    @Test
    void anEncoderWithOtherSettingsGetsTheEvents() {
        LogstashEncoder custom = new LogstashEncoder();
        custom.setContext(ctx);
        custom.setCustomFields("{\"app\":\"sluice\"}");
        custom.start();
        configure(custom);
        writer.offer(line("req_a", 200));
        writer.flushNow();
        assertThat(output.direct()).isFalse();
        assertThat(new String(stdout.taken(), StandardCharsets.UTF_8)).contains("\"app\":\"sluice\"")
                .contains("\"@version\":\"1\"").contains("\"request_id\":\"req_a\"");
    }

    @Test
    void eachBatchLooksAgainAtTheConfiguration() {
        configure(null);
        writer.offer(line("req_1", 200));
        writer.flushNow();
        assertThat(output.direct()).isTrue();

        TurboFilter denyAll = new TurboFilter() {
            @Override
            public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                                      Throwable t) {
                return FilterReply.DENY;
            }
        };
        denyAll.start();
        ctx.addTurboFilter(denyAll);
        stdout.taken();
        writer.offer(line("req_2", 200));
        writer.flushNow();
        assertThat(output.direct()).isFalse();
        assertThat(stdout.taken()).isEmpty(); // the filter had its say

        ctx.resetTurboFilterList();
        ctx.getMDCAdapter().put("tenant", "t1");
        writer.offer(line("req_3", 200));
        writer.flushNow();
        assertThat(output.direct()).isFalse();
        assertThat(new String(stdout.taken(), StandardCharsets.UTF_8)).contains("\"tenant\":\"t1\"");
        ctx.getMDCAdapter().remove("tenant");

        ctx.getLogger("sluice.access").setLevel(Level.WARN);
        writer.offer(line("req_4", 200));
        writer.flushNow();
        assertThat(output.direct()).isFalse();
        assertThat(stdout.taken()).isEmpty();

        ctx.getLogger("sluice.access").setLevel(null);
        writer.offer(line("req_5", 200));
        writer.flushNow();
        assertThat(output.direct()).isTrue();
        assertThat(new String(stdout.taken(), StandardCharsets.UTF_8)).contains("\"request_id\":\"req_5\"");
    }
}
