package dev.sluice.gateway.usage;

/**
 * Where finished model requests go (the usage ledger). {@link #record} is called on the event loop and must not
 * block: implementations queue and write in batches off the hot path.
 */
public interface UsageSink extends AutoCloseable {
    /** Takes every record and keeps none. */
    UsageSink NONE = record -> { };

    void record(UsageRecord record);

    /** Gives each record to {@code first}, then to {@code second} (the ledger, then an embedder's observer). */
    static UsageSink both(UsageSink first, UsageSink second) {
        return new Both(first, second);
    }

    /** One class for every pair, so the warm-up's pair and the gateway's share their compiled code. */
    record Both(UsageSink first, UsageSink second) implements UsageSink {
        @Override
        public void record(UsageRecord record) {
            first.record(record);
            second.record(record);
        }
    }

    /** Drains what is queued; called on clean shutdown. */
    @Override
    default void close() {}
}
