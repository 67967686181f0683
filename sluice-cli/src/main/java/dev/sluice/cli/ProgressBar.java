package dev.sluice.cli;

import dev.sluice.protocol.wire.Batch;

import java.util.Locale;

/**
 * One line of batch progress: a bar, the percentage, done / total with the failures, the rate since the first observation
 * and the time left at that rate, and the status. Pure: given the same batch and times it draws the same line.
 */
final class ProgressBar {
    static final int WIDTH = 30;
    private long startNanos;
    private int firstDone = -1;

    ProgressBar() {
    }

    String render(Batch b, long nowNanos) {
        Batch.RequestCounts c = b.requestCounts() == null ? new Batch.RequestCounts(0, 0, 0) : b.requestCounts();
        int done = c.completed() + c.failed();
        if (firstDone < 0) {
            firstDone = done; // the rate counts from the first observation
            startNanos = nowNanos;
        }
        double seconds = (nowNanos - startNanos) / 1e9;
        double rate = seconds > 0 ? (done - firstDone) / seconds : 0;
        int filled = c.total() == 0 ? 0 : (int) Math.round(WIDTH * (double) done / c.total());
        String bar = "#".repeat(Math.min(WIDTH, filled)) + "-".repeat(Math.max(0, WIDTH - filled));
        int pct = c.total() == 0 ? 0 : (int) Math.floor(100.0 * done / c.total());
        String eta = rate > 0 && c.total() > done ? duration((c.total() - done) / rate) : "-";
        return String.format(Locale.ROOT, "[%s] %3d%%  %d/%d done, %d failed  %.0f/s  ETA %s  %s", bar, pct, done,
                c.total(), c.failed(), rate, eta, b.status());
    }

    /** The closing line: how the batch ended and where its results are. */
    static String summary(Batch b) {
        Batch.RequestCounts c = b.requestCounts();
        StringBuilder s = new StringBuilder(b.id()).append(' ').append(b.status());
        if (c != null) {
            s.append(": ").append(c.completed()).append(" completed, ").append(c.failed()).append(" failed of ")
                    .append(c.total());
        }
        if (b.outputFileId() != null) s.append("; output ").append(b.outputFileId());
        if (b.errorFileId() != null) s.append("; errors ").append(b.errorFileId());
        if (b.errors() != null && !b.errors().data().isEmpty()) {
            Batch.Error e = b.errors().data().getFirst();
            s.append("; ").append(e.code()).append(e.line() == null ? "" : " at line " + e.line()).append(": ")
                    .append(e.message());
            if (b.errors().data().size() > 1) s.append(" (+").append(b.errors().data().size() - 1).append(" more)");
        }
        return s.toString();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + (s % 60) + "s";
        return (s / 3600) + "h" + (s % 3600 / 60) + "m";
    }
}
