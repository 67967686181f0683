package dev.sluice.gateway.http;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Stands in for the process's output in the access-log tests: keeps the bytes and counts the writes that reach it. */
final class CountingOutput extends OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int writes;

    @Override
    public synchronized void write(int b) {
        writes++;
        bytes.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        writes++;
        bytes.write(b, off, len);
    }

    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** What was written since the last call. */
    synchronized byte[] taken() {
        byte[] b = bytes.toByteArray();
        bytes.reset();
        return b;
    }
}
