package dev.sluice.gateway.usage;

/**
 * Where finished model requests go (the usage ledger). {@link #record} is called on the event loop and must not
 * block: implementations queue and write in batches off the hot path.
 */
public interface UsageSink extends AutoCloseable {
    void record(UsageRecord record);

    /** Drains what is queued; called on clean shutdown. */
    @Override
    default void close() {}
}
