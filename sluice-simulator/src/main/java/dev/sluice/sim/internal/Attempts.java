package dev.sluice.sim.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts attempts of the same request so {@code fail_times=N} can fail the first N and pass the rest. Bounded
 * (least recently used keys are forgotten) because a long benchmark would otherwise grow it without end.
 */
public final class Attempts {
    private final Map<String, Integer> counts;

    public Attempts(int maxKeys) {
        this.counts = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** Records one more attempt of {@code key} and returns its number, 1 for the first. */
    public synchronized int next(String key) {
        return counts.merge(key, 1, Integer::sum);
    }

    public synchronized void clear() {
        counts.clear();
    }
}
