package dev.sluice.gateway.usage;

/** How a model request ended, as the ledger records it. */
public enum Outcome {
    /** The caller received the whole answer. */
    COMPLETED,
    /** Sluice or the upstream failed it (before or after the first byte); the error code says why. */
    FAILED,
    /** The caller went away before the answer was complete. */
    CANCELLED
}
