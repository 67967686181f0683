package dev.sluice.gateway.overload;

import io.vertx.core.Future;

import java.util.concurrent.ConcurrentHashMap;

/** {@link RequestRates} of one process: a ring of 96 ten-second slots per project. */
public final class MemoryRequestRates implements RequestRates {
    private final ConcurrentHashMap<String, Ring> byProject = new ConcurrentHashMap<>();

    private static final class Ring {
        final long[] slot = new long[SlowDownRule.SLOTS];
        final long[] count = new long[SlowDownRule.SLOTS];

        long get(long s) {
            int i = (int) Math.floorMod(s, (long) SlowDownRule.SLOTS);
            return slot[i] == s ? count[i] : 0;
        }

        void increment(long s) {
            int i = (int) Math.floorMod(s, (long) SlowDownRule.SLOTS);
            if (slot[i] != s) {
                slot[i] = s;
                count[i] = 0;
            }
            count[i]++;
        }
    }

    @Override
    public Future<SlowDownRule.Verdict> admit(String projectId, long nowMs, SlowDownRule rule) {
        Ring ring = byProject.computeIfAbsent(projectId, p -> new Ring());
        long cur = Math.floorDiv(nowMs, SlowDownRule.SLOT_MS);
        synchronized (ring) {
            long last = 0, trailing = 0;
            for (int i = 0; i < SlowDownRule.SLOTS; i++) {
                long c = ring.get(cur - i);
                if (i < SlowDownRule.RECENT) last += c;
                else trailing += c;
            }
            if (!rule.admits(last, trailing)) {
                return Future.succeededFuture(new SlowDownRule.Verdict(false, last, trailing, SlowDownRule.waitMs(nowMs)));
            }
            ring.increment(cur);
            return Future.succeededFuture(new SlowDownRule.Verdict(true, last + 1, trailing, 0));
        }
    }
}
