package dev.sluice.sim.internal;

import io.vertx.ext.web.RoutingContext;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * How one flavor of the simulator (OpenAI, or a provider on its native paths) writes failures: the answer to a
 * {@code status} / {@code fail_times} / {@code error} fault, and a request it rejects, each in the provider's own
 * shape, status and headers. {@code error=NAME} picks one of {@link #names()} (case-insensitive).
 */
public interface NativeErrors {

    /** OpenAI's forms, as the {@code /v1/...} routes have always answered; it has no {@code error=} names. */
    NativeErrors OPENAI = new NativeErrors() {
        @Override
        public String flavor() {
            return "openai";
        }

        @Override
        public Set<String> names() {
            return Set.of();
        }

        @Override
        public void fault(Exchange ex, Directives d, SimCall call, int status) {
            Replies.error(ex, status, Faults.simulated(status, call.modelId(), ex.requestId()), d.shape(),
                    Faults.headersFor(status));
        }

        @Override
        public void invalid(Exchange ex, SimError e) {
            Replies.error(ex, e);
        }
    };

    /** The flavor's name in messages ({@code gemini}, {@code bedrock}). */
    String flavor();

    /** The names {@code error=} accepts. */
    Set<String> names();

    /** Writes the failure a fault directive asks for ({@code status} is the one asked for, else 500). */
    void fault(Exchange ex, Directives d, SimCall call, int status);

    /** Writes the answer to a request rejected before any fault ran. */
    void invalid(Exchange ex, SimError e);

    /** The canonical spelling of {@code error=}'s value among {@link #names()}, or empty. */
    default Optional<String> resolve(String name) {
        if (name == null) return Optional.empty();
        for (String n : names()) {
            if (n.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) return Optional.of(n);
        }
        return Optional.empty();
    }

    /** Rejects an {@code error=} this flavor does not know, naming the ones it does. */
    default void check(Directives d) {
        if (d.error() == null || resolve(d.error()).isPresent()) return;
        String known = names().isEmpty() ? "none: use status=" : String.join(", ", new TreeSet<>(names()));
        throw SimError.at(dev.sluice.protocol.ErrorKind.INVALID_VALUE, SimRoutes.SIM_HEADER, "why",
                "directive 'error' names no error of the " + flavor() + " flavor, got '" + d.error()
                        + "' (known: " + known + ")");
    }

    /**
     * A provider flavor's POST route: the request parsed from path and body (throwing {@link SimError} for a bad
     * one), then answered; faults and rejections go through the flavor's {@link NativeErrors}.
     */
    interface Route<C extends SimCall> {
        C parse(RoutingContext ctx, JsonNode body, Directives d);

        void answer(Exchange ex, C call, Directives d);
    }
}
