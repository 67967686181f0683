package dev.sluice.gateway.usage;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps records in memory; the default until the persistent ledger is configured, and handy in tests. */
public final class InMemoryUsageSink implements UsageSink {
    private final List<UsageRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public void record(UsageRecord record) {
        records.add(record);
    }

    public List<UsageRecord> records() {
        return List.copyOf(records);
    }
}
