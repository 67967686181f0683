package dev.sluice.gateway.http;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sluice.testing.FakeTime;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The access log writer's batching: lines wait for the writer's interval (a fake time here) or for the queue's wake
 * depth, are written in one batch with one flush, are dropped and counted when the queue is full, and are written at
 * shutdown without waiting; through logback the bytes are the encoder's and reach the output in one write per batch.
 */
class AccessLogWriterTest {
    private final FakeTime time = new FakeTime();
    private final Recording out = new Recording();
    private AccessLogWriter writer;

    @AfterEach
    void stop() {
        if (writer != null) writer.close();
    }

    /** Lines and flushes as the writer hands them over, read by the test thread. */
    private static final class Recording implements AccessLogWriter.Output {
        final List<String> lines = new ArrayList<>();
        final List<Integer> linesAtFlush = new ArrayList<>();

        @Override
        public synchronized void write(AccessRecord l) {
            lines.add(l.requestId() + " " + l.method() + " " + l.route() + " " + l.status());
        }

        @Override
        public synchronized void flush() {
            linesAtFlush.add(lines.size());
            notifyAll();
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }

        synchronized List<Integer> flushes() {
            return List.copyOf(linesAtFlush);
        }

        /** Waits (not a timed assertion: the deadline only ends a test that would otherwise hang) for n flushes. */
        synchronized void awaitFlushes(int n) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (linesAtFlush.size() < n && System.nanoTime() < deadline) wait(100);
            assertThat(linesAtFlush).hasSizeGreaterThanOrEqualTo(n);
        }
    }

    private static void awaitTrue(BooleanSupplier c) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!c.getAsBoolean() && System.nanoTime() < deadline) Thread.onSpinWait();
        assertThat(c.getAsBoolean()).isTrue();
    }

    private static AccessRecord line(String id, String method, String route, int status) {
        return new AccessRecord(AccessRecord.PLAIN, id, method, route, status, null, 3, "127.0.0.1", null, null, null,
                null, false, 0, 0, 0, null, -1, -1, null, null);
    }

    private AccessLogWriter started(int capacity, int wakeDepth) {
        writer = new AccessLogWriter(capacity, wakeDepth, 20, time, out).start("test-access-log");
        awaitTrue(() -> time.pending() == 1); // the writer waits for its interval
        return writer;
    }

    @Test
    void linesWaitForTheIntervalThenAreWrittenInOneBatchWithoutANewLineArriving() throws Exception {
        started(100, 50);
        for (int i = 1; i <= 3; i++) assertThat(writer.offer(line("req_" + i, "POST", "/v1/chat/completions", 200)))
                .isTrue();
        assertThat(out.lines()).isEmpty(); // no wake-up per line
        time.advance(Duration.ofMillis(19));
        assertThat(out.lines()).isEmpty();
        time.advance(Duration.ofMillis(1)); // the interval passes; no new line arrives
        out.awaitFlushes(1);
        assertThat(out.lines()).containsExactly("req_1 POST /v1/chat/completions 200",
                "req_2 POST /v1/chat/completions 200", "req_3 POST /v1/chat/completions 200");
        assertThat(out.flushes()).containsExactly(3); // one flush for the batch
        awaitTrue(() -> writer.writtenCount() == 3); // counted just after the flush
        assertThat(writer.droppedCount()).isZero();
    }

    @Test
    void theWakeDepthWakesTheWriterBeforeItsInterval() throws Exception {
        started(100, 4);
        for (int i = 1; i <= 3; i++) writer.offer(line("req_" + i, "POST", "/v1/chat/completions", 200));
        assertThat(out.lines()).isEmpty();
        writer.offer(line("req_4", "POST", "/v1/chat/completions", 200)); // the queue reaches the wake depth
        out.awaitFlushes(1);
        assertThat(out.lines()).hasSize(4);
        assertThat(out.flushes()).containsExactly(4);
        assertThat(time.elapsed()).isEqualTo(Duration.ZERO); // woken by the depth, not by the timer
    }

    @Test
    void aFullQueueDropsAndCountsTheLineWithoutBlocking() throws Exception {
        started(8, 1_000);
        int accepted = 0;
        for (int i = 1; i <= 10; i++) if (writer.offer(line("req_" + i, "POST", "/v1/models", 200))) accepted++;
        assertThat(accepted).isEqualTo(8);
        assertThat(writer.droppedCount()).isEqualTo(2);
        assertThat(writer.queued()).isEqualTo(8);
        time.advance(Duration.ofMillis(20));
        out.awaitFlushes(1);
        assertThat(out.lines()).hasSize(8).first().asString().startsWith("req_1 ");
        assertThat(writer.droppedCount()).isEqualTo(2);
    }

    @Test
    void atShutdownTheQueuedLinesAreWrittenAtOnceWithoutWaitingForTheInterval() {
        started(100, 50);
        writer.offer(line("req_1", "-", "-", 400));
        writer.offer(line("req_2", "GET", "/v1/models", 200));
        writer.close(); // on this thread: the lines are written when it returns
        assertThat(out.lines()).containsExactly("req_1 - - 400", "req_2 GET /v1/models 200");
        assertThat(out.flushes()).containsExactly(2);
        assertThat(time.elapsed()).isEqualTo(Duration.ZERO);
    }

    @Test
    void throughLogbackTheLinesAreTheEncodersBytesInOneWritePerBatch() throws Exception {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger access = ctx.getLogger("sluice.access");
        CountingOutput stdout = new CountingOutput();
        BatchingConsoleAppender appender = new BatchingConsoleAppender();
        appender.setContext(ctx);
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setContext(ctx);
        encoder.start();
        appender.setEncoder(encoder);
        appender.setTarget(stdout);
        appender.start();
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.setContext(ctx);
        events.start();
        access.addAppender(appender);
        access.addAppender(events);
        try {
            writer = new AccessLogWriter(100, 50, 20, time, AccessLogWriter.logback()).start("test-access-log");
            awaitTrue(() -> time.pending() == 1);
            writer.offer(line("req_a", "POST", "/v1/chat/completions", 200));
            writer.offer(line("req_b", "-", "-", 431));
            writer.offer(line("req_c", "GET", "/v1/models", 200));
            writer.flushNow();
            List<ILoggingEvent> logged = List.copyOf(events.list);
            assertThat(logged).hasSize(3);
            StringBuilder expected = new StringBuilder();
            for (ILoggingEvent e : logged) expected.append(new String(encoder.encode(e), StandardCharsets.UTF_8));
            assertThat(stdout.text()).isEqualTo(expected.toString()); // byte for byte what the encoder makes
            assertThat(stdout.writes).isEqualTo(1); // one write for the batch of three
            assertThat(stdout.text()).contains("\"message\":\"POST /v1/chat/completions 200\"")
                    .contains("\"message\":\"- - 431\"").contains("\"request_id\":\"req_a\"")
                    .contains("\"logger_name\":\"sluice.access\"");

            // An access line waits in the buffer; any other event is written at once and takes it along, in order.
            int before = stdout.writes;
            access.info("GET /v1/models 200");
            assertThat(stdout.writes).isEqualTo(before);
            appender.doAppend(new ch.qos.logback.classic.spi.LoggingEvent("x", ctx.getLogger("sluice.alert"),
                    ch.qos.logback.classic.Level.WARN, "credential failed", null, null));
            assertThat(stdout.writes).isEqualTo(before + 1);
            String text = stdout.text();
            assertThat(text.indexOf("GET /v1/models 200")).isPositive().isLessThan(text.indexOf("credential failed"));
        } finally {
            access.detachAppender(appender);
            access.detachAppender(events);
            appender.stop();
        }
    }
}
