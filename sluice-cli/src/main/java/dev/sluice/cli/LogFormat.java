package dev.sluice.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.slf4j.LoggerFactory;

/**
 * {@code log.format}: JSON lines (logback.xml's encoder) for machines, or {@link TextLayout} lines for people;
 * {@code auto} picks text when stdout is a terminal.
 */
final class LogFormat {
    private LogFormat() {}

    /** "json" or "text" for a configured {@code auto|json|text}. */
    static String resolve(String configured, boolean terminal) {
        if ("auto".equals(configured)) return terminal ? "text" : "json";
        return configured;
    }

    /** Whether stdout is a terminal: {@code Console.isTerminal()} on Java 22+, else whether there is a console. */
    static boolean stdoutIsTerminal() {
        java.io.Console c = System.console();
        if (c == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true; // Java 21: System.console() is null unless both stdin and stdout are a terminal
        }
    }

    /** Switches the root logger to text lines; JSON is what logback.xml already sets up. */
    static void apply(String format) {
        if (!"text".equals(format)) return;
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext lc)) return;
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(lc);
        TextLayout layout = new TextLayout();
        layout.setContext(lc);
        layout.start();
        encoder.setLayout(layout);
        encoder.start();
        dev.sluice.gateway.http.BatchingConsoleAppender out = new dev.sluice.gateway.http.BatchingConsoleAppender();
        out.setContext(lc);
        out.setName("TEXT");
        out.setEncoder(encoder);
        out.start();
        Logger root = lc.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(out);
    }

    /** Writes out the queued access lines and what the log appenders hold; called before the process exits. */
    static void flush() {
        dev.sluice.gateway.http.AccessLogWriter.flush();
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) lc.stop();
    }
}
