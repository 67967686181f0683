package dev.sluice.gateway;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Captures every log event of the test JVM as the JSON lines production would write. */
final class CapturedLogs implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final LogstashEncoder encoder = new LogstashEncoder();
    private final Logger root;

    CapturedLogs() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        encoder.setContext(ctx);
        encoder.start();
        appender.setContext(ctx);
        appender.start();
        root.addAppender(appender);
    }

    List<String> lines() {
        dev.sluice.gateway.http.AccessLogWriter.flush(); // access lines are written by their own thread, in batches
        return List.copyOf(appender.list).stream()
                .map(e -> new String(encoder.encode(e), StandardCharsets.UTF_8).strip()).toList();
    }

    List<String> accessLines() {
        return lines().stream().filter(l -> l.contains("\"logger_name\":\"sluice.access\"")).toList();
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
