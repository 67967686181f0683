package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorBodies;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.SseDecoder;
import dev.sluice.protocol.SseEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;

/**
 * The terminal stage: sends the request to the model's deployment and relays the answer. Failures before the first
 * byte reaches the caller are ordinary HTTP errors mapped by {@link UpstreamErrors}; after it, the in-band error event
 * of {@link StreamErrors}. Timeouts (first byte, idle between chunks, total) run on event-loop timers; a caller that
 * disconnects resets the upstream request.
 */
public final class UpstreamCall implements Stage {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Vertx vertx;
    private final HttpClient http;
    private final SluiceConfig.Timeouts timeouts;
    private final Function<Deployment, String> baseUrls;
    private final Map<String, String> env;

    public UpstreamCall(Vertx vertx, HttpClient http, SluiceConfig.Timeouts timeouts,
                        Function<Deployment, String> baseUrls, Map<String, String> env) {
        this.vertx = vertx;
        this.http = http;
        this.timeouts = timeouts;
        this.baseUrls = baseUrls;
        this.env = env;
    }

    @Override
    public StageOrder order() {
        return StageOrder.TERMINAL;
    }

    @Override
    public Future<Void> apply(Exchange ex, Chain next) {
        Deployment d = ex.model().deployments().getFirst();
        ex.attempts(1);
        ex.responseHeaders().set(Headers.SLUICE_ATTEMPTS, "1");
        return new Attempt(ex, d).start();
    }

    /** One upstream attempt and its relay to the caller. */
    private final class Attempt {
        private final Exchange ex;
        private final Deployment deployment;
        private final Promise<Void> done = Promise.promise();
        private final HttpServerResponse out;
        private HttpClientRequest request;
        private long firstByteTimer = -1, idleTimer = -1, totalTimer = -1;
        private boolean started, finished, usageSeen;
        private int sequence;

        Attempt(Exchange ex, Deployment deployment) {
            this.ex = ex;
            this.deployment = deployment;
            this.out = ex.response();
        }

        Future<Void> start() {
            String url = baseUrls.apply(deployment) + ex.endpoint().route().substring("/v1".length());
            RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                    .setConnectTimeout(timeouts.connectMs())
                    .putHeader("content-type", "application/json")
                    .putHeader("accept", ex.stream() ? "text/event-stream" : "application/json");
            if (deployment.apiKeyEnv() != null && env.get(deployment.apiKeyEnv()) != null) {
                ro.putHeader("authorization", "Bearer " + env.get(deployment.apiKeyEnv()));
            }
            String sim = ex.header(Headers.SLUICE_SIM);
            if (sim != null && "sim".equals(deployment.provider())) ro.putHeader(Headers.SLUICE_SIM, sim);
            String idem = ex.header(Headers.IDEMPOTENCY_KEY);
            if (idem != null) ro.putHeader(Headers.IDEMPOTENCY_KEY, idem);
            totalTimer = vertx.setTimer(timeouts.totalMs(), t -> fail(UpstreamErrors.timeout(timeouts.totalMs())));
            ex.onCallerGone(this::cancelledByCaller);
            http.request(ro).onComplete(ar -> {
                if (ar.failed()) {
                    fail(connectFailure(ar.cause()));
                    return;
                }
                if (finished) {
                    ar.result().reset();
                    return;
                }
                request = ar.result();
                firstByteTimer = vertx.setTimer(timeouts.firstByteMs(),
                        t -> fail(UpstreamErrors.timeout(timeouts.firstByteMs())));
                request.send(body()).onComplete(resp -> {
                    vertx.cancelTimer(firstByteTimer);
                    if (finished) return;
                    if (resp.failed()) fail(connectFailure(resp.cause()));
                    else onResponse(resp.result());
                });
            });
            return done.future();
        }

        private Buffer body() {
            String upstreamModel = deployment.upstreamModel();
            if (upstreamModel == null || upstreamModel.equals(ex.modelId())) return ex.body();
            ObjectNode copy = ex.json().deepCopy();
            copy.put("model", upstreamModel);
            return Buffer.buffer(copy.toString());
        }

        private void onResponse(HttpClientResponse resp) {
            String upstreamId = resp.getHeader(Headers.REQUEST_ID);
            if (upstreamId != null) {
                ex.responseHeaders().set(Headers.UPSTREAM_REQUEST_ID, upstreamId);
                ex.upstreamRequestId(upstreamId);
            }
            int status = resp.statusCode();
            if (status != 200 || !ex.stream()) {
                resp.body().onComplete(b -> {
                    if (finished) return;
                    if (b.failed()) {
                        fail(ApiException.of(ErrorKind.BAD_GATEWAY));
                    } else if (status >= 200 && status < 300) {
                        relayJson(b.result());
                    } else {
                        fail(UpstreamErrors.fromStatus(status, b.result().toString(StandardCharsets.UTF_8),
                                ex.modelId(), deployment.name()));
                    }
                });
                return;
            }
            relayStream(resp);
        }

        private void relayJson(Buffer body) {
            JsonNode root;
            try {
                root = JSON.readTree(body.getBytes());
            } catch (Exception e) {
                root = null;
            }
            if (root == null || !root.isObject()) {
                fail(ApiException.of(ErrorKind.BAD_GATEWAY));
                return;
            }
            if (ErrorBodies.carriesError(root)) {
                fail(ApiException.of(ErrorKind.BAD_GATEWAY));
                return;
            }
            finish();
            JsonNode usage = root.get("usage");
            if (usage != null && usage.isObject()) {
                ex.completionTokens(usage.path("completion_tokens").asInt(usage.path("output_tokens").asInt(0)));
                int prompt = usage.path("prompt_tokens").asInt(usage.path("input_tokens").asInt(-1));
                if (prompt >= 0) ex.promptTokens(prompt);
            }
            ex.outcome(dev.sluice.gateway.usage.Outcome.COMPLETED);
            out.setStatusCode(200).putHeader("content-type", "application/json");
            out.end(body).onComplete(v -> done.tryComplete());
        }

        private void relayStream(HttpClientResponse resp) {
            SseDecoder decoder = new SseDecoder();
            boolean[] terminated = {false};
            touchIdle(resp);
            resp.handler(buf -> {
                if (finished) return;
                touchIdle(resp);
                for (SseEvent ev : decoder.feed(buf.toString(StandardCharsets.UTF_8))) {
                    if (finished) return;
                    if (isError(ev)) {
                        if (started) inBand(ApiException.of(ErrorKind.BAD_GATEWAY));
                        else fail(upstreamStreamError(ev));
                        resp.request().reset();
                        return;
                    }
                    write(ev.encode());
                    countDelivered(ev);
                    if (ev.isDone() || "response.completed".equals(ev.event())) terminated[0] = true;
                    if (out.writeQueueFull()) {
                        resp.pause();
                        out.drainHandler(v -> resp.resume());
                    }
                }
            });
            resp.exceptionHandler(err -> {
                if (finished) return;
                if (started) inBand(ApiException.of(ErrorKind.BAD_GATEWAY));
                else fail(ApiException.of(ErrorKind.BAD_GATEWAY));
            });
            resp.endHandler(v -> {
                if (finished) return;
                for (SseEvent ev : decoder.finish()) write(ev.encode());
                if (!terminated[0]) {
                    if (started) inBand(ApiException.of(ErrorKind.BAD_GATEWAY));
                    else fail(ApiException.of(ErrorKind.BAD_GATEWAY));
                    return;
                }
                finish();
                ex.outcome(dev.sluice.gateway.usage.Outcome.COMPLETED);
                out.end().onComplete(x -> done.tryComplete());
            });
        }

        private boolean isError(SseEvent ev) {
            if ("error".equals(ev.event()) || "response.failed".equals(ev.event())) return true;
            String data = ev.data();
            if (data == null || !data.contains("\"error\"") || ev.isDone()) return false;
            try {
                JsonNode n = JSON.readTree(data);
                return n.isObject() && n.hasNonNull("error") && !n.has("choices") && !n.has("type");
            } catch (Exception e) {
                return false;
            }
        }

        /**
         * Tracks output delivered so far: the upstream's usage when it sends one (chat include_usage, Responses
         * completed), otherwise one token per content delta, which is what the simulator and OpenAI stream.
         */
        private void countDelivered(SseEvent ev) {
            String data = ev.data();
            if (data == null || ev.isDone()) return;
            if (data.contains("\"usage\"") && (data.contains("completion_tokens") || data.contains("output_tokens"))) {
                try {
                    JsonNode n = JSON.readTree(data);
                    JsonNode usage = n.has("usage") ? n.get("usage") : n.path("response").path("usage");
                    if (usage.isObject()) {
                        usageSeen = true;
                        ex.completionTokens(usage.path("completion_tokens").asInt(usage.path("output_tokens").asInt(0)));
                        return;
                    }
                } catch (Exception ignored) {
                    // not JSON: counted below like any delta
                }
            }
            if (!usageSeen && (data.contains("\"content\":\"") && !data.contains("\"content\":\"\"")
                    || "response.output_text.delta".equals(ev.event()))) {
                ex.completionTokens(ex.completionTokens() + 1);
            }
        }

        /** An error event before anything reached the caller: answer it as an ordinary HTTP error. */
        private ApiException upstreamStreamError(SseEvent ev) {
            return ApiException.of(ErrorKind.BAD_GATEWAY);
        }

        private void write(String event) {
            if (!started) {
                started = true;
                out.setStatusCode(200).setChunked(true)
                        .putHeader("content-type", "text/event-stream; charset=utf-8")
                        .putHeader("cache-control", "no-cache");
            }
            if (ex.endpoint() == Endpoint.RESPONSES) sequence++;
            out.write(event);
        }

        private void touchIdle(HttpClientResponse resp) {
            if (idleTimer >= 0) vertx.cancelTimer(idleTimer);
            idleTimer = vertx.setTimer(timeouts.idleMs(), t -> {
                if (finished) return;
                ApiException timeout = UpstreamErrors.timeout(timeouts.idleMs());
                if (started) inBand(timeout); else fail(timeout);
                resp.request().reset();
            });
        }

        /** After the first byte: the error goes in-band, then the stream closes without its terminator. */
        private void inBand(ApiException e) {
            if (finished) return;
            finish();
            ex.errorCode(e.error().code());
            ex.outcome(dev.sluice.gateway.usage.Outcome.FAILED);
            ApiError err = e.error();
            String event = ex.endpoint() == Endpoint.RESPONSES
                    ? StreamErrors.responses(err, sequence, "resp_" + ex.requestId().substring(4), ex.modelId())
                    : StreamErrors.chat(err);
            out.end(event).onComplete(v -> done.tryComplete());
        }

        private void fail(ApiException e) {
            if (finished) return;
            if (started) {
                inBand(e);
                return;
            }
            finish();
            if (request != null) request.reset();
            done.tryFail(e);
        }

        private void cancelledByCaller() {
            if (finished) return;
            finish();
            ex.errorCode("cancelled");
            ex.outcome(dev.sluice.gateway.usage.Outcome.CANCELLED);
            if (request != null) request.reset();
            done.tryComplete();
        }

        private void finish() {
            finished = true;
            vertx.cancelTimer(firstByteTimer);
            vertx.cancelTimer(idleTimer);
            vertx.cancelTimer(totalTimer);
        }

        private ApiException connectFailure(Throwable t) {
            if (t instanceof ConnectException || (t.getCause() instanceof ConnectException)) {
                return UpstreamErrors.unreachable(ex.modelId());
            }
            String name = t.getClass().getSimpleName();
            if (name.contains("Timeout")) return UpstreamErrors.timeout(timeouts.connectMs());
            return ApiException.of(ErrorKind.BAD_GATEWAY);
        }
    }
}
