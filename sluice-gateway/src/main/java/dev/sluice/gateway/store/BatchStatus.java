package dev.sluice.gateway.store;

import java.util.Locale;

/**
 * A batch's status, as OpenAI names them: validating → failed | in_progress → finalizing → completed; expired;
 * cancelling → cancelled.
 */
public enum BatchStatus {
    VALIDATING, FAILED, IN_PROGRESS, FINALIZING, COMPLETED, EXPIRED, CANCELLING, CANCELLED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BatchStatus of(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }

    /** Completed, failed, expired or cancelled: the batch never changes again. */
    public boolean terminal() {
        return this == FAILED || this == COMPLETED || this == EXPIRED || this == CANCELLED;
    }
}
