package dev.sluice.gateway.usage;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps records in memory: an observer for tests and embedders (the usage ledger is what persists them). */
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
