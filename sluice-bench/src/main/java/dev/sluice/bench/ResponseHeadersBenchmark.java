package dev.sluice.bench;

import dev.sluice.gateway.http.ResponseHeaders;
import dev.sluice.gateway.limits.Decision;
import dev.sluice.gateway.limits.RateLimits;
import dev.sluice.protocol.Durations;
import dev.sluice.protocol.Headers;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The response headers of one model answer as the headers branch changed them, before (the code it replaced, kept
 * here) and after, in one process: the stages' headers (key owner, six rate-limit headers, attempts) put on the
 * exchange, then the contract headers and the copy onto a validating response header map like the server's. Run with
 * {@code -prof gc} for bytes per answer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ResponseHeadersBenchmark {
    static final Decision DECISION = new Decision(true, List.of(), null, new Decision.Header(10_000, 9_999, 6),
            new Decision.Header(10_000_000, 9_999_700, 2), 300);
    static final String REQUEST_ID = "req_0123456789abcdef0123456789abcdef";
    static final CharSequence H_REQUEST_ID = HttpHeaders.createOptimized(Headers.REQUEST_ID);
    static final CharSequence H_OPENAI_VERSION = HttpHeaders.createOptimized(Headers.OPENAI_VERSION);
    static final CharSequence V_OPENAI_VERSION = HttpHeaders.createOptimized(Headers.OPENAI_VERSION_VALUE);
    static final CharSequence H_PROCESSING_MS = HttpHeaders.createOptimized(Headers.PROCESSING_MS);

    @Benchmark
    public MultiMap before() {
        MultiMap exchange = MultiMap.caseInsensitiveMultiMap();
        stages(exchange);
        exchange.set(Headers.LIMIT_REQUESTS, Long.toString(DECISION.requests().limit()));
        exchange.set(Headers.REMAINING_REQUESTS, Long.toString(DECISION.requests().remaining()));
        exchange.set(Headers.RESET_REQUESTS, Durations.formatMillis(DECISION.requests().resetMs()));
        exchange.set(Headers.LIMIT_TOKENS, Long.toString(DECISION.tokens().limit()));
        exchange.set(Headers.REMAINING_TOKENS, Long.toString(DECISION.tokens().remaining()));
        exchange.set(Headers.RESET_TOKENS, Durations.formatMillis(DECISION.tokens().resetMs()));
        exchange.set(Headers.SLUICE_ATTEMPTS, "1");
        MultiMap res = HeadersMultiMap.httpHeaders();
        res.set(HttpHeaders.CONTENT_TYPE, "application/json");
        res.set(H_REQUEST_ID, REQUEST_ID);
        res.set(H_OPENAI_VERSION, V_OPENAI_VERSION);
        res.set(H_PROCESSING_MS, "3");
        exchange.forEach(h -> res.set(h.getKey(), h.getValue()));
        return res;
    }

    @Benchmark
    public MultiMap after() {
        MultiMap exchange = MultiMap.caseInsensitiveMultiMap();
        stages(exchange);
        RateLimits.headers(exchange, DECISION);
        exchange.set(Headers.SLUICE_ATTEMPTS, "1");
        MultiMap res = HeadersMultiMap.httpHeaders();
        res.set(HttpHeaders.CONTENT_TYPE, "application/json");
        res.set(ResponseHeaders.REQUEST_ID, REQUEST_ID);
        res.set(ResponseHeaders.OPENAI_VERSION, ResponseHeaders.OPENAI_VERSION_VALUE);
        res.set(ResponseHeaders.PROCESSING_MS, "3");
        ResponseHeaders.copy(exchange, res);
        return res;
    }

    /** What the authentication stage puts on the exchange (unchanged by the branch). */
    private static void stages(MultiMap exchange) {
        exchange.set(Headers.OPENAI_ORGANIZATION, "org_0123456789abcdef");
        exchange.set(Headers.OPENAI_PROJECT, "proj_0123456789abcdef");
    }
}
