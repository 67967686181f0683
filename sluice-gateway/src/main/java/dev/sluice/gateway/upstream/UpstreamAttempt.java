package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.HeaderText;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.time.Timers;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One upstream HTTP exchange on one deployment, with its two timers (first byte, then idle between stream chunks):
 * builds the provider's request, sends it, and reports what happened to its {@link Listener} — a failure before
 * anything reached the caller, a whole JSON answer, or a stream relayed through the request's {@link StreamRelay}
 * that completed or broke. It never writes an error to the caller itself, and tells the deployment's circuit breaker
 * what it showed, once.
 */
final class UpstreamAttempt implements StreamRelay.Upstream {

    /** Where an attempt reports; every method is called at most once per attempt, and only one of them. */
    interface Listener {
        /** Failed before anything reached the caller: the request may retry or fail over. */
        void failed(UpstreamAttempt a, Failure f);

        /** A whole 2xx JSON answer, already translated to the OpenAI shape. */
        void answered(UpstreamAttempt a, ProviderAdapter.Answer.Ok answer);

        /** The relayed stream ended with its terminator. */
        void streamCompleted(UpstreamAttempt a);

        /** The relayed stream broke after its first event reached the caller. */
        void brokenMidStream(UpstreamAttempt a, ApiException e);
    }

    /** What every attempt of the gateway shares, built once. */
    record Context(UpstreamClients http, Timers timers, SluiceConfig.Timeouts timeouts, UpstreamObserver observer,
                   UpstreamCall.Settings settings) {}

    private final Context cx;
    private final Exchange ex;
    private final DeploymentState deployment;
    private final int number;
    private final StreamRelay relay;
    private final Listener listener;
    private final ProviderAdapter adapter;
    private final ProviderAdapter.Target target;
    private HttpClientRequest request;
    /** The pool whose connection (or stream) {@link #request} holds; null before it has one and after it gave it back. */
    private UpstreamClients.Pool holding;
    private Timers.Timer firstByteTimer, idleTimer;
    private long lastActivityNanos;
    /** The relay stopped reading the upstream because the caller's socket is full (since {@link #pausedNanos}). */
    private boolean callerFull;
    private long pausedNanos;
    private StreamRelay.Pipe pipe;
    private boolean over, judged;
    /** This attempt's stream died with a connection whose loss another attempt already told the breaker. */
    private boolean lossTold;
    private UpstreamObserver.AttemptEnd end = UpstreamObserver.AttemptEnd.NONE;

    /** @param number 1 for the request's first attempt */
    UpstreamAttempt(Context cx, Exchange ex, DeploymentState deployment, int number, StreamRelay relay,
                    Listener listener) {
        this.cx = cx;
        this.ex = ex;
        this.deployment = deployment;
        this.number = number;
        this.relay = relay;
        this.listener = listener;
        this.adapter = cx.settings().adapters().apply(deployment.deployment().provider());
        this.target = new ProviderAdapter.Target(deployment.deployment(),
                cx.settings().baseUrls().apply(deployment.deployment()), cx.settings().env(), cx.settings().clock());
    }

    DeploymentState deployment() {
        return deployment;
    }

    void start() {
        ProviderAdapter.Request r;
        try {
            r = adapter.request(target, ex);
        } catch (ApiException cannotServe) {
            fail(Failure.otherDeployment(cannotServe, Failure.Health.NEUTRAL));
            return;
        }
        checkHeaders(r.headers());
        // The wait for a pooled connection has its own bound (upstream_pool.wait_ms); first_byte_ms starts after it.
        RequestOptions ro = UpstreamClients.requestOptions(r.url()).setMethod(HttpMethod.valueOf(r.method()))
                .setConnectTimeout(cx.http().acquireTimeoutMs());
        var d = deployment.deployment();
        UpstreamClients.Pool pool = cx.http().of(d, target.baseUrl(), d.baseUrl() == null && "sim".equals(d.provider()));
        TraceHeaders trace = new TraceHeaders();
        end = cx.observer().attempt(ex, d, r.url(), number, trace);
        pool.client().request(ro).onComplete(ar -> {
            if (over) {
                if (ar.succeeded()) ar.result().reset();
                return;
            }
            if (ar.failed()) {
                if (UpstreamClients.poolExhausted(ar.cause(), pool)) { // a local limit: another deployment may have room
                    fail(Failure.otherDeployment(cx.http().refused(ex.modelId(), d), Failure.Health.NEUTRAL));
                } else {
                    fail(Failure.transport(connectFailure(ar.cause())));
                }
                return;
            }
            request = ar.result();
            holding = pool;
            pool.hold();
            try {
                headers(request.headers(), r.headers(), trace);
            } catch (IllegalArgumentException invalid) { // not expected after checkHeaders: never left hanging
                fail(Failure.transport(connectFailure(invalid)));
                return;
            }
            long firstByteMs = cx.timeouts().firstByteMs();
            firstByteTimer = cx.timers().schedule(firstByteMs,
                    () -> fail(Failure.silent(UpstreamErrors.timeout(firstByteMs))));
            request.send(r.body()).onComplete(resp -> {
                cancel(firstByteTimer);
                if (over) return;
                if (resp.failed()) lost(Failure.transport(connectFailure(resp.cause())), resp.cause());
                else onResponse(resp.result());
            });
        });
    }

    /**
     * Refuses, before the attempt begins, the provider headers Vert.x would refuse (a credential with a control
     * character), as when they were put in the request options here: the {@link IllegalArgumentException} of
     * {@link RequestOptions#putHeader} ends the request as an internal error, before the attempt is observed. Headers
     * of token characters with printable values are taken without more; anything else goes through that same
     * {@code putHeader}, so Vert.x's own rules and message decide. (The trace context's are W3C-checked ids and
     * tracestate entries.)
     */
    private static void checkHeaders(Map<String, String> headers) {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (!plainName(h.getKey()) || !plainValue(h.getValue())) {
                RequestOptions vertxCheck = new RequestOptions();
                headers.forEach(vertxCheck::putHeader);
                return;
            }
        }
    }

    /** Letters, digits and '-' only (every one a token character). */
    private static boolean plainName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) return false;
        }
        return true;
    }

    /** Printable ASCII and tabs only; null (no value: the header is removed) too. */
    private static boolean plainValue(String value) {
        if (value == null) return true;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 || c > 0x7E) && c != '\t') return false;
        }
        return true;
    }

    /**
     * Puts the provider's headers, then the trace context's, on the upstream request, each replacing one of the same
     * name (any case), as {@link RequestOptions#putHeader} did. They go straight into the request's own headers: given
     * in its {@link RequestOptions}, Vert.x would copy them into the request from a second map, one entry and one
     * iterator wrapper per header, per request. The order on the wire is the same.
     */
    private static void headers(MultiMap to, Map<String, String> provider, TraceHeaders trace) {
        for (Map.Entry<String, String> h : provider.entrySet()) to.set(h.getKey(), h.getValue());
        trace.addTo(to);
    }

    /**
     * The headers the observer gives an attempt before its request exists (the trace context: {@code traceparent},
     * and {@code tracestate} when the trace carries one), kept in the order given until {@link #headers} adds them.
     */
    private static final class TraceHeaders implements BiConsumer<String, String> {
        private String[] pairs = new String[4];
        private int size;

        @Override
        public void accept(String name, String value) {
            if (size == pairs.length) pairs = Arrays.copyOf(pairs, size * 2);
            pairs[size++] = name;
            pairs[size++] = value;
        }

        void addTo(MultiMap headers) {
            for (int i = 0; i < size; i += 2) headers.set(pairs[i], pairs[i + 1]);
        }
    }

    /** Tells the breaker what this attempt showed, once; faults the caller asked for show nothing. */
    void verdict(Failure.Health health) {
        if (judged) return;
        judged = true;
        Failure.Health h = adapter.healthSignal(ex) && !(lossTold && health == Failure.Health.FAILURE)
                ? health : Failure.Health.NEUTRAL;
        CircuitBreaker breaker = deployment.breaker();
        switch (h) {
            case FAILURE -> breaker.onFailure();
            case ALIVE -> breaker.onSuccess();
            case NEUTRAL -> breaker.onNeutral();
            case TRIPPED -> breaker.trip();
        }
    }

    /** Reports the attempt's end once (metrics, span); {@code code} null on success. */
    void ended(boolean ok, String code) {
        UpstreamObserver.AttemptEnd e = end;
        end = UpstreamObserver.AttemptEnd.NONE;
        e.ended(ok, code);
    }

    /** The request no longer wants this attempt (caller gone, total timeout): stop it and say nothing of health. */
    void abandon() {
        ended(false, "cancelled");
        stop();
        verdict(Failure.Health.NEUTRAL);
    }

    private void stop() {
        stop(true);
    }

    /**
     * Ends the attempt; {@code reset} says whether its stream may still be open upstream (it is reset then). A stream
     * that failed itself (its connection lost, its response failed) is not reset: the write would fail on the dead
     * connection and fail its next stream from inside this one's handler — one nested call per stream on it.
     */
    private void stop(boolean reset) {
        over = true;
        cancel(firstByteTimer);
        cancel(idleTimer);
        if (pipe != null) pipe.close();
        if (reset && request != null) request.reset();
        release();
    }

    /** Gives the pool's connection (or stream) back in the count of held ones, once. */
    private void release() {
        if (holding != null) {
            holding.release();
            holding = null;
        }
    }

    private void fail(Failure f) {
        fail(f, true);
    }

    private void fail(Failure f, boolean reset) {
        if (over) return;
        ended(false, f.error().error().code() != null ? f.error().error().code() : f.error().error().type());
        stop(reset);
        listener.failed(this, f);
    }

    private static void cancel(Timers.Timer t) {
        if (t != null) t.cancel();
    }

    private void onResponse(HttpClientResponse resp) {
        String upstreamId = adapter.requestId(resp.headers());
        if (upstreamId != null) {
            ex.responseHeaders().set(HeaderText.UPSTREAM_REQUEST_ID, upstreamId);
            ex.upstreamRequestId(upstreamId);
        }
        adapter.limits(resp.headers(), cx.settings().clock()).applyTighter(ex.responseHeaders());
        int status = resp.statusCode();
        if (status != 200 || !ex.stream()) {
            resp.body().onComplete(b -> {
                if (over) return;
                if (b.failed()) {
                    lost(Failure.transport(ApiException.of(ErrorKind.BAD_GATEWAY)), b.cause());
                } else if (status >= 200 && status < 300) {
                    answered(b.result());
                } else {
                    fail(adapter.failure(target, ex, status, resp.headers(),
                            b.result().toString(StandardCharsets.UTF_8)));
                }
            });
            return;
        }
        pipe = relay.pipe(resp, adapter.streamTranslator(target, ex), this);
    }

    private void answered(Buffer body) {
        switch (adapter.translateResponse(target, ex, body)) {
            case ProviderAdapter.Answer.Failed f -> fail(f.failure());
            case ProviderAdapter.Answer.Ok ok -> {
                over = true;
                release();
                listener.answered(this, ok);
            }
        }
    }

    /**
     * Bytes arrived: the idle deadline moves to {@code idle_ms} from now. It is not a timer cancelled and scheduled
     * again per event (two operations on the event loop's timer queue for every token of every stream): the time is
     * noted, and the one pending timer, when it fires, either finds the stream idle for {@code idle_ms} or waits
     * again for the rest of the time since the last bytes.
     */
    @Override
    public void activity() {
        if (over) return;
        lastActivityNanos = cx.settings().ticker().nanos();
        if (idleTimer == null) armIdle(cx.timeouts().idleMs());
    }

    /**
     * While the caller's socket is full the upstream is not read, so it cannot be heard: its idle deadline waits, and
     * runs again from the moment reading resumes. A caller that reads slowly is not an upstream that went quiet; one
     * that takes nothing for {@code idle_ms} is treated as gone (its connection closed), never as the upstream's
     * timeout.
     */
    @Override
    public void paused(boolean full) {
        if (over) return;
        callerFull = full;
        if (full) pausedNanos = cx.settings().ticker().nanos();
        else activity();
    }

    private void armIdle(long delayMs) {
        idleTimer = cx.timers().schedule(delayMs, () -> {
            idleTimer = null;
            if (over) return;
            long idleMs = cx.timeouts().idleMs();
            if (callerFull) { // not reading the upstream: its silence is not its own
                long stalledMs = (cx.settings().ticker().nanos() - pausedNanos) / 1_000_000;
                if (stalledMs >= idleMs) { // the caller's doing: let go of the upstream, then of the caller
                    abandon();
                    relay.callerStalled();
                }
                else armIdle(idleMs - stalledMs);
                return;
            }
            long quietMs = (cx.settings().ticker().nanos() - lastActivityNanos) / 1_000_000;
            if (quietMs >= idleMs) broken(Failure.silent(UpstreamErrors.timeout(idleMs)));
            else armIdle(idleMs - quietMs);
        });
    }

    /** The stream failed: before its first event the request may retry; after it, the caller gets it in-band. */
    @Override
    public void broken(Failure f) {
        broken(f, true);
    }

    /**
     * Also for a response or body that failed (before any event the same as a failed attempt). All the streams of a
     * closed connection fail together: its loss is one failure for the breaker, not one per stream (a connection with
     * a few hundred streams would otherwise open the circuit for every caller at once). A stream reset on its own
     * counts as before.
     */
    @Override
    public void lost(Failure f, Throwable cause) {
        if (!over && request != null && cause instanceof HttpClosedException) {
            lossTold = !LostConnections.first(request.connection());
        }
        broken(f, false);
    }

    private void broken(Failure f, boolean reset) {
        if (over) return;
        if (!relay.started()) {
            fail(f, reset);
            return;
        }
        ended(false, f.error().error().code());
        stop(reset);
        listener.brokenMidStream(this, f.error());
    }

    @Override
    public void completed() {
        if (over) return;
        over = true;
        cancel(idleTimer);
        release();
        ended(true, null); // before the answer ends: the access line reads what it recorded
        listener.streamCompleted(this);
    }

    private ApiException connectFailure(Throwable t) {
        if (t instanceof ConnectException || t.getCause() instanceof ConnectException) {
            return UpstreamErrors.unreachable(ex.modelId());
        }
        String name = t.getClass().getSimpleName();
        if (name.contains("Timeout")) return UpstreamErrors.timeout(cx.timeouts().connectMs());
        return ApiException.of(ErrorKind.BAD_GATEWAY);
    }
}
