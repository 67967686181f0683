package dev.sluice.bench.load;

import java.util.Map;
import java.util.OptionalLong;

/**
 * A streaming run against one system: streams completed (ended with {@code [DONE]}) and failed by cause, the peak of
 * streams open at once, time to first event and whole-stream duration (ms), and the server process's heap after a full
 * GC, RSS and open files sampled while the streams were open (empty for a system that is not a JVM we started).
 */
public record StreamResult(int target, int peakOpen, long completed, Map<String, Long> failures,
                           double ttfbP50Millis, double ttfbP99Millis, double durationP99Millis,
                           OptionalLong heapAfterGc, OptionalLong rss, OptionalLong openFiles, OptionalLong maxOpenFiles) {
    public long failed() {
        return failures.values().stream().mapToLong(Long::longValue).sum();
    }
}
