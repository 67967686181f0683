package dev.sluice.gateway.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.access.AccessPolicy;
import dev.sluice.gateway.access.ClientAddress;
import dev.sluice.gateway.models.ModelSpec;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The per-request state that travels through the pipeline: the request as received, what stages learned about it
 * (caller, parsed body, model, token counts) and the headers every answer will carry. Configuration never lives here,
 * and neither does the answer: a stage returns it ({@link Answer}), and only the HTTP adapter writes it.
 */
public final class Exchange {
    // The request as received.
    private final String requestId;
    private final long startNanos;
    private final Endpoint endpoint;
    private final String method;
    private final String path;
    private final MultiMap requestHeaders;
    private final String clientIp;
    private final HttpServerRequest request;
    private final Function<Callable<?>, Future<?>> blockingRunner;
    private final Future<Void> cancelled;
    private final MultiMap responseHeaders = MultiMap.caseInsensitiveMultiMap();
    private ClientAddress clientAddress;
    private Context trace = Context.root();
    private Buffer body;

    // What the stages learned about it.
    private Caller caller;
    private AccessPolicy accessPolicy;
    private ObjectNode json;
    private String modelId;
    private ModelSpec model;
    private boolean stream;
    private int promptTokens;
    private int maxOutputTokens;
    private boolean replay;

    // What the upstream call reports (the access log, metrics, traces and the usage record read it).
    private int attempts;
    private int completionTokens;
    private String upstreamRequestId;
    private String deployment;
    private String provider;
    private String responseModel;
    private long upstreamNanos = -1;
    private String refusedBy;

    // The drain deadline's early end (Gateway.drain through InFlightRequests).
    private Consumer<ApiException> abortListener;
    private ApiException pendingAbort;

    /**
     * @param request   the live HTTP request, for terminal stages that read it themselves (uploads, query strings);
     *                  null in stage unit tests
     * @param cancelled completed by the HTTP adapter when the caller goes away before its answer has ended
     */
    public Exchange(String requestId, long startNanos, Endpoint endpoint, String method, String path,
                    MultiMap requestHeaders, Buffer body, String clientIp, HttpServerRequest request,
                    Function<Callable<?>, Future<?>> blockingRunner, Future<Void> cancelled) {
        this.requestId = requestId;
        this.startNanos = startNanos;
        this.endpoint = endpoint;
        this.method = method;
        this.path = path;
        this.requestHeaders = requestHeaders;
        this.body = body;
        this.clientIp = clientIp;
        this.request = request;
        this.blockingRunner = blockingRunner;
        this.cancelled = cancelled;
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

    /**
     * The path segment after {@code prefix} (up to the next {@code /}), percent-decoded as a path segment is: a
     * {@code +} stays a plus (it means a space only in a query string). The HTTP layer has already refused malformed
     * escapes (400 {@code malformed_request}).
     */
    public String pathSegmentAfter(String prefix) {
        String rest = path.substring(prefix.length());
        int slash = rest.indexOf('/');
        return decodePath(slash < 0 ? rest : rest.substring(0, slash));
    }

    /** {@code raw} percent-decoded as a path is: a {@code +} stays a plus. */
    public static String decodePath(String raw) {
        return raw.indexOf('%') < 0 ? raw : java.net.URLDecoder.decode(raw.replace("+", "%2B"),
                java.nio.charset.StandardCharsets.UTF_8);
    }
    public MultiMap requestHeaders() { return requestHeaders; }
    public String header(String name) { return requestHeaders.get(name); }
    /** As {@link #header(String)}, for a name made once with {@code HttpHeaders.createOptimized} (hashed once). */
    public String header(CharSequence name) { return requestHeaders.get(name); }
    public Buffer body() { return body; }
    /** Set by the body-reading stage after authentication (the body is not read before the key is checked);
     * replaced when a model fallback renames the model in it. */
    public void body(Buffer b) { this.body = b; }
    public String clientIp() { return clientIp; }
    /** The live HTTP request (bodies, uploads, query strings); null in unit tests. Never used to answer (an interim
     * 100 Continue aside). */
    public HttpServerRequest request() { return request; }
    /** Headers added to whatever answer this request gets (success, error or stream). */
    public MultiMap responseHeaders() { return responseHeaders; }

    /**
     * Completes when the caller has gone before its answer ended: work in progress for it (an upstream attempt, an
     * upload) stops, and the request's {@link Ending} then says so. The pipeline runs no further stage after it.
     */
    public Future<Void> cancelled() { return cancelled; }

    /** The socket peer and the client behind trusted proxies; derived from {@link #clientIp()} when not set. */
    public ClientAddress clientAddress() {
        if (clientAddress == null) clientAddress = ClientAddress.direct(clientIp);
        return clientAddress;
    }
    public void clientAddress(ClientAddress a) { this.clientAddress = a; }
    /** The trace context of this request (its server span); upstream attempts are its children. */
    public Context trace() { return trace; }
    public void trace(Context c) { this.trace = c; }

    public Caller caller() { return caller; }
    public void caller(Caller c) { this.caller = c; }
    /** The caller's access policy once a stage has resolved it (null before): the later stages use the same one. */
    public AccessPolicy accessPolicy() { return accessPolicy; }
    public void accessPolicy(AccessPolicy p) { this.accessPolicy = p; }
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
    /** True when the answer is a stored Idempotency-Key replay: nothing ran, so no usage record is written. */
    public boolean replay() { return replay; }
    public void replay(boolean r) { this.replay = r; }

    public int attempts() { return attempts; }
    public void attempts(int n) { this.attempts = n; }
    /** Output tokens actually delivered to the caller (from the upstream's usage, or counted from the stream). */
    public int completionTokens() { return completionTokens; }
    public void completionTokens(int n) { this.completionTokens = n; }
    public String upstreamRequestId() { return upstreamRequestId; }
    public void upstreamRequestId(String id) { this.upstreamRequestId = id; }
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

    /**
     * Registers how the stage that owns the answer ends it early when the gateway must stop (drain deadline):
     * before the first byte an ordinary error answer, after it the in-band error event. If the request was asked to
     * stop before such a stage began (it was still queued), the listener is told at once.
     */
    public void onAbort(Consumer<ApiException> listener) {
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
        Consumer<ApiException> l = abortListener;
        if (l == null) {
            pendingAbort = error;
            return false;
        }
        l.accept(error);
        return true;
    }
}
