package dev.sluice.gateway.http;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;

import java.io.BufferedOutputStream;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Standard output for the gateway's log (logback.xml's appender, and {@code log.format: text}'s): every event is
 * written at once, except access lines (logger {@code sluice.access}), which collect in a 64 KiB buffer until
 * {@link AccessLogWriter} ends its batch and calls {@link #flush()} — one {@code write} per batch instead of one per
 * request. Any other event written meanwhile takes the buffered access lines with it, in order. The bytes are the
 * encoder's, unchanged — or, with logback.xml's encoder, the same bytes written by the access log writer itself
 * ({@link #writeAccessLines}, see {@link LogbackAccessOutput}).
 */
public class BatchingConsoleAppender extends OutputStreamAppender<ILoggingEvent> implements Flushable {
    /** Bytes buffered at most before they are written anyway (a line is never split unless it is larger). */
    public static final int BUFFER_BYTES = 64 * 1024;
    private static final String ACCESS = "sluice.access";
    private OutputStream target;

    /** Where the bytes go instead of {@code System.out} (tests); before {@link #start()}. */
    public void setTarget(OutputStream target) {
        this.target = target;
    }

    @Override
    public void start() {
        OutputStream out = target != null ? target : System.out;
        setOutputStream(new BufferedOutputStream(new Unclosed(out), BUFFER_BYTES));
        super.start();
    }

    @Override
    protected void writeOut(ILoggingEvent event) throws IOException {
        byte[] bytes = encoder.encode(event);
        if (bytes == null || bytes.length == 0) return;
        boolean later = ACCESS.equals(event.getLoggerName());
        streamWriteLock.lock();
        try {
            if (!isStarted()) return;
            OutputStream out = getOutputStream();
            out.write(bytes);
            if (!later) out.flush();
        } finally {
            streamWriteLock.unlock();
        }
    }

    /**
     * Buffers access lines the access log writer encoded itself (whole lines), like the encoder's access lines: until
     * {@link #flush()} or the next other event. An output failure stops the appender, as it does for an event.
     */
    void writeAccessLines(byte[] bytes, int offset, int length) {
        streamWriteLock.lock();
        try {
            if (!isStarted()) return;
            getOutputStream().write(bytes, offset, length);
        } catch (IOException e) {
            started = false;
            addStatus(new ch.qos.logback.core.status.ErrorStatus("IO failure in appender", this, e));
        } finally {
            streamWriteLock.unlock();
        }
    }

    /** Writes out the buffered access lines (the access log writer, at the end of each batch). */
    @Override
    public void flush() throws IOException {
        streamWriteLock.lock();
        try {
            if (isStarted()) getOutputStream().flush();
        } finally {
            streamWriteLock.unlock();
        }
    }

    /** Stopping the appender flushes but never closes the process's standard output. */
    private static final class Unclosed extends OutputStream {
        private final OutputStream out;

        Unclosed(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
