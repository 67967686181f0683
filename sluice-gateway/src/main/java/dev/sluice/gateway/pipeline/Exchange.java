package dev.sluice.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.models.ModelSpec;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * The per-request state that travels through the pipeline: the request as received, what stages learned about it
 * (caller, parsed body, model, token counts) and the headers every answer will carry. Configuration never lives here.
 */
public final class Exchange {
    private final String requestId;
    private final long startNanos;
    private final Endpoint endpoint;
    private final String method;
    private final String path;
    private final MultiMap requestHeaders;
    private Buffer body;
    private final String clientIp;
    private final MultiMap responseHeaders = MultiMap.caseInsensitiveMultiMap();
    private final Function<Callable<?>, Future<?>> blockingRunner;
    private HttpServerResponse response;
    private io.vertx.core.http.HttpServerRequest request;

    private Caller caller;
    private ObjectNode json;
    private String modelId;
    private ModelSpec model;
    private boolean stream;
    private int promptTokens;
    private int maxOutputTokens;
    private String errorCode;
    private int attempts;
    private int completionTokens;
    private dev.sluice.gateway.usage.Outcome outcome;
    private String upstreamRequestId;
    private final java.util.List<Runnable> callerGoneListeners = new java.util.ArrayList<>(1);
    private boolean callerGone;
    private dev.sluice.gateway.access.ClientAddress clientAddress;
    private final java.util.List<java.util.function.Function<dev.sluice.gateway.usage.UsageRecord, Future<?>>>
            finishListeners = new java.util.ArrayList<>(3);
    private dev.sluice.gateway.usage.UsageRecord finishedRecord;

    public Exchange(String requestId, long startNanos, Endpoint endpoint, String method, String path,
                    MultiMap requestHeaders, Buffer body, String clientIp,
                    Function<Callable<?>, Future<?>> blockingRunner) {
        this.requestId = requestId;
        this.startNanos = startNanos;
        this.endpoint = endpoint;
        this.method = method;
        this.path = path;
        this.requestHeaders = requestHeaders;
        this.body = body;
        this.clientIp = clientIp;
        this.blockingRunner = blockingRunner;
    }

    /** Runs blocking work (JDBC, large token counts) off the event loop. */
    @SuppressWarnings("unchecked")
    public <T> Future<T> blocking(Callable<T> work) {
        return (Future<T>) blockingRunner.apply(work);
    }

    public String requestId() { return requestId; }
    public long startNanos() { return startNanos; }
    public Endpoint endpoint() { return endpoint; }
    public String method() { return method; }
    public String path() { return path; }
    public MultiMap requestHeaders() { return requestHeaders; }
    public String header(String name) { return requestHeaders.get(name); }
    public Buffer body() { return body; }
    /** Set by the body-reading stage after authentication (the body is not read before the key is checked);
     * replaced when a model fallback renames the model in it. */
    public void body(Buffer b) { this.body = b; }
    public String clientIp() { return clientIp; }
    /** Headers added to whatever answer this request gets (success, error or stream). */
    public MultiMap responseHeaders() { return responseHeaders; }

    /** The live HTTP request, for terminal stages that read it themselves (uploads, query strings); null in unit tests. */
    public io.vertx.core.http.HttpServerRequest request() { return request; }
    public void request(io.vertx.core.http.HttpServerRequest r) { this.request = r; }

    /** The live HTTP response, for the terminal stage that writes the answer (null in stage unit tests). */
    public HttpServerResponse response() { return response; }
    public void response(HttpServerResponse r) { this.response = r; }

    public Caller caller() { return caller; }
    public void caller(Caller c) { this.caller = c; }
    public ObjectNode json() { return json; }
    public void json(ObjectNode j) { this.json = j; }
    public String modelId() { return modelId; }
    public void modelId(String id) { this.modelId = id; }
    public ModelSpec model() { return model; }
    public void model(ModelSpec m) { this.model = m; }
    public boolean stream() { return stream; }
    public void stream(boolean s) { this.stream = s; }
    public int promptTokens() { return promptTokens; }
    public void promptTokens(int n) { this.promptTokens = n; }
    public int maxOutputTokens() { return maxOutputTokens; }
    public void maxOutputTokens(int n) { this.maxOutputTokens = n; }
    /** The catalogue code of the outcome, for the access log (null on success). */
    public String errorCode() { return errorCode; }
    public void errorCode(String c) { this.errorCode = c; }
    public int attempts() { return attempts; }
    public void attempts(int n) { this.attempts = n; }
    /** Output tokens actually delivered to the caller (from the upstream's usage, or counted from the stream). */
    public int completionTokens() { return completionTokens; }
    public void completionTokens(int n) { this.completionTokens = n; }
    /** How the request ended; null until the terminal stage decides (then the HTTP status decides). */
    public dev.sluice.gateway.usage.Outcome outcome() { return outcome; }
    public void outcome(dev.sluice.gateway.usage.Outcome o) { this.outcome = o; }
    /** Runs {@code r} when the caller disconnects before the answer is complete (cancel upstream work). */
    public void onCallerGone(Runnable r) { callerGoneListeners.add(r); }

    /** Called once by the HTTP adapter when the caller's connection closed before the response ended. */
    public void callerGone() {
        if (callerGone) return;
        callerGone = true;
        for (Runnable r : callerGoneListeners) r.run();
    }

    /** The socket peer and the client behind trusted proxies; derived from {@link #clientIp()} when not set. */
    public dev.sluice.gateway.access.ClientAddress clientAddress() {
        if (clientAddress == null) clientAddress = dev.sluice.gateway.access.ClientAddress.direct(clientIp);
        return clientAddress;
    }
    public void clientAddress(dev.sluice.gateway.access.ClientAddress a) { this.clientAddress = a; }
    /**
     * Runs {@code listener} once the request has ended, with its usage record, before the record goes to the usage
     * sink (token-limit corrections, admission release). The record waits for the listener's future.
     */
    public void onFinished(java.util.function.Function<dev.sluice.gateway.usage.UsageRecord, Future<?>> listener) {
        // The caller may have gone while a stage was waiting (a queue, a store): then run it at once.
        if (finishedRecord != null) listener.apply(finishedRecord);
        else finishListeners.add(listener);
    }

    private Runnable streamStartListener;

    /** Runs {@code listener} once, when a streamed answer sends its first byte (admission releases its slot then). */
    public void onStreamStarted(Runnable listener) {
        this.streamStartListener = listener;
    }

    /** Called once by the upstream relay as the first event of a streamed answer goes out. */
    public void streamStarted() {
        Runnable l = streamStartListener;
        streamStartListener = null;
        if (l != null) l.run();
    }

    /** True once the request has ended (answered, or the caller went away), even if a stage is still running. */
    public boolean hasFinished() {
        return finishedRecord != null;
    }

    /** Called once by the HTTP adapter when the request has ended; completes when every listener has. */
    public Future<Void> finished(dev.sluice.gateway.usage.UsageRecord record) {
        finishedRecord = record;
        if (finishListeners.isEmpty()) return Future.succeededFuture();
        java.util.List<Future<?>> all = new java.util.ArrayList<>(finishListeners.size());
        for (var l : finishListeners) {
            try {
                all.add(l.apply(record));
            } catch (RuntimeException e) {
                all.add(Future.failedFuture(e));
            }
        }
        return Future.join(all).mapEmpty();
    }

    public String upstreamRequestId() { return upstreamRequestId; }
    public void upstreamRequestId(String id) { this.upstreamRequestId = id; }

    private Buffer answerBody;
    private boolean replay;
    private Function<Exchange, Future<Void>> beforeAnswer;

    /** The whole JSON answer sent to the caller (non-streaming success), kept for Idempotency-Key replays. */
    public Buffer answerBody() { return answerBody; }
    public void answerBody(Buffer b) { this.answerBody = b; }

    /** Work that must be done before a whole answer is written (storing it for Idempotency-Key replays). */
    public void beforeAnswer(Function<Exchange, Future<Void>> hook) { this.beforeAnswer = hook; }

    /**
     * Called by the terminal stage once {@link #answerBody} and the response status are set, before it writes the
     * answer; completes when the hook is done (a failing hook does not stop the answer).
     */
    public Future<Void> answerReady() {
        if (beforeAnswer == null) return Future.succeededFuture();
        try {
            return beforeAnswer.apply(this).recover(err -> Future.succeededFuture());
        } catch (RuntimeException e) {
            return Future.succeededFuture();
        }
    }
    /** True when the answer is a stored Idempotency-Key replay: nothing ran, so no usage record is written. */
    public boolean replay() { return replay; }
    public void replay(boolean r) { this.replay = r; }

    private java.util.function.Consumer<ApiException> abortListener;
    private ApiException pendingAbort;

    /**
     * Registers how the stage that owns the answer ends it early when the gateway must stop (drain deadline):
     * before the first byte an ordinary error answer, after it the in-band error event. If the request was asked to
     * stop before such a stage began (it was still queued), the listener is told at once.
     */
    public void onAbort(java.util.function.Consumer<ApiException> listener) {
        this.abortListener = listener;
        ApiException pending = pendingAbort;
        if (pending != null) {
            pendingAbort = null;
            listener.accept(pending);
        }
    }

    /**
     * Asks the stage that owns the answer to end it now with {@code error}; false when no stage can yet (then the
     * next stage that registers with {@link #onAbort} is told).
     */
    public boolean abort(ApiException error) {
        java.util.function.Consumer<ApiException> l = abortListener;
        if (l == null) {
            pendingAbort = error;
            return false;
        }
        l.accept(error);
        return true;
    }

    // Observability: what the metrics, the trace and the access line report about this request.
    private String deployment, provider, responseModel, refusedBy;
    private long upstreamNanos = -1;
    private io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.root();

    /** The deployment the last upstream attempt went to (null before any). */
    public String deployment() { return deployment; }
    /** The provider of that deployment. */
    public String provider() { return provider; }
    /** The upstream model name of that deployment. */
    public String responseModel() { return responseModel; }
    /** Records the deployment an upstream attempt is going to. */
    public void upstream(String deployment, String provider, String responseModel) {
        this.deployment = deployment;
        this.provider = provider;
        this.responseModel = responseModel;
    }
    /** How long the last upstream attempt took, -1 before any ended. */
    public long upstreamNanos() { return upstreamNanos; }
    public void upstreamNanos(long n) { this.upstreamNanos = n; }
    /** The rate limit that refused the request ({@code rpm/project}), null when none did. */
    public String refusedBy() { return refusedBy; }
    public void refusedBy(String limit) { this.refusedBy = limit; }
    /** The trace context of this request (its server span); upstream attempts are its children. */
    public io.opentelemetry.context.Context trace() { return trace; }
    public void trace(io.opentelemetry.context.Context c) { this.trace = c; }
}
