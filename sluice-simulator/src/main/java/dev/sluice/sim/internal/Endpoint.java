package dev.sluice.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One POST route: {@link #parse} validates the body (throwing {@link SimError}) before any fault runs, so a bad
 * request is rejected at once; {@link #answer} writes the success, possibly later and possibly as a stream.
 */
public interface Endpoint<C extends SimCall> {
    C parse(JsonNode body, Directives directives);

    /** The same, for routes that read the path too (a flavor's {@code /deployments/{name}/…}). */
    default C parse(Exchange ex, JsonNode body, Directives directives) {
        return parse(body, directives);
    }

    void answer(Exchange ex, C call, Directives directives);
}
