package dev.sluice.sim.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.time.Ticker;
import dev.sluice.sim.SimulatorOptions;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.function.Function;

/**
 * The simulator's HTTP surface in one list. Every request gets an {@link Exchange} (request id, release hooks)
 * first; a POST then goes body → directives → endpoint validation → {@link Faults} → answer, so invalid requests
 * fail at once and faults only ever hit requests that would otherwise succeed.
 */
public final class SimRoutes {
    /** The directive header (also accepted as {@code metadata.sluice_sim} in a JSON body). */
    public static final String SIM_HEADER = Headers.SLUICE_SIM;
    static final long MAX_BODY_BYTES = 32L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(SimRoutes.class);
    private static final ObjectReader STRICT_JSON =
            Replies.JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final SimulatorOptions options;
    private final InFlight inFlight;
    private final Ticker ticker;
    private final Faults faults;

    private SimRoutes(SimulatorOptions options, Attempts attempts, InFlight inFlight, Ticker ticker) {
        this.options = options;
        this.inFlight = inFlight;
        this.ticker = ticker;
        this.faults = new Faults(attempts);
    }

    /** The routes; {@code ticker} is the time stream pacing reads ({@link Ticker#system()} but in tests). */
    public static Router router(Vertx vertx, SimulatorOptions options, Attempts attempts, InFlight inFlight,
                                Ticker ticker) {
        return new SimRoutes(options, attempts, inFlight, ticker).build(vertx);
    }

    private Router build(Vertx vertx) {
        Router r = Router.router(vertx);
        r.route().handler(ctx -> {
            Exchange.of(ctx, inFlight, ticker);
            inFlight.traceparent(ctx.request().getHeader("traceparent"));
            ctx.next();
        });
        r.post("/v1/chat/completions").handler(body()).handler(post(new ChatCompletions(options.tokensPerSecond())));
        r.post("/v1/responses").handler(body()).handler(post(new Responses(options.tokensPerSecond())));
        r.post("/v1/embeddings").handler(body()).handler(post(new Embeddings(options.embeddingDimensions())));
        r.post("/v1/images/generations").handler(body()).handler(post(new Images()));
        FlavorRoutes flavors = new FlavorRoutes(r, options);
        new dev.sluice.sim.internal.anthropic.AnthropicFlavor().register(flavors);
        new dev.sluice.sim.internal.azure.AzureFlavor().register(flavors);
        new dev.sluice.sim.internal.gemini.GeminiFlavor().register(flavors);
        new dev.sluice.sim.internal.bedrock.BedrockFlavor().register(flavors);
        r.get("/v1/models").handler(get(ctx -> Models.list()));
        r.get("/v1/models/:id").handler(get(ctx -> Models.get(ctx.pathParam("id"))));
        r.errorHandler(404, ctx -> Replies.error(exchange(ctx), SimError.at(ErrorKind.UNKNOWN_URL, null,
                "method", ctx.request().method().name(), "path", ctx.request().path())));
        r.errorHandler(405, ctx -> Replies.error(exchange(ctx), SimError.at(ErrorKind.METHOD_NOT_ALLOWED, null,
                "method", ctx.request().method().name(), "path", ctx.request().path())));
        r.errorHandler(413, ctx -> Replies.error(exchange(ctx), SimError.at(ErrorKind.REQUEST_TOO_LARGE, null,
                "n", ctx.request().headers().contains("content-length")
                        ? ctx.request().getHeader("content-length") : "more than " + MAX_BODY_BYTES,
                "max", String.valueOf(MAX_BODY_BYTES))));
        r.errorHandler(500, ctx -> internalError(exchange(ctx), ctx.failure()));
        return r;
    }

    private static BodyHandler body() {
        return BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
    }

    private <C extends SimCall> Handler<RoutingContext> post(Endpoint<C> endpoint) {
        return post(endpoint, Dialect.OPENAI);
    }

    private <C extends SimCall> Handler<RoutingContext> post(Endpoint<C> endpoint, Dialect dialect) {
        return ctx -> {
            Exchange ex = exchange(ctx);
            try {
                JsonNode body = jsonBody(ctx);
                Directives d = directives(ctx, body);
                C call = endpoint.parse(ex, body, d);
                faults.run(ex, d, call, () -> endpoint.answer(ex, call, d), dialect);
            } catch (SimError e) {
                dialect.rejected(ex, e).send(ex);
            } catch (NativeError e) {
                e.send(ex);
            }
        };
    }

    /**
     * Where provider flavors put their native routes: the same pipeline as the OpenAI routes (body, directives,
     * validation, faults, answer), with the flavor's {@link Dialect} for every error. Each flavor registers itself
     * with one line in {@link #build}.
     */
    public final class FlavorRoutes {
        private final Router router;
        private final SimulatorOptions options;

        private FlavorRoutes(Router router, SimulatorOptions options) {
            this.router = router;
            this.options = options;
        }

        public SimulatorOptions options() {
            return options;
        }

        /** Serves {@code POST path} (vertx-web path syntax, e.g. {@code /openai/deployments/:d/embeddings}). */
        public <C extends SimCall> void post(String path, Endpoint<C> endpoint, Dialect dialect) {
            router.post(path).handler(body()).handler(SimRoutes.this.post(endpoint, dialect));
        }

        /** Serves POSTs whose path matches {@code regex} (paths vertx-web syntax cannot say, e.g. {@code model:verb}). */
        public <C extends SimCall> void postRegex(String regex, Endpoint<C> endpoint, Dialect dialect) {
            router.postWithRegex(regex).handler(body()).handler(SimRoutes.this.post(endpoint, dialect));
        }
    }

    /** One provider flavor of the simulator: its native routes, answers and errors. */
    public interface Flavor {
        void register(FlavorRoutes routes);
    }

    private Handler<RoutingContext> get(Function<RoutingContext, Object> body) {
        return ctx -> {
            Exchange ex = exchange(ctx);
            try {
                Directives d = directives(ctx, null);
                Object answer = body.apply(ctx);
                faults.run(ex, d, new Plain(null), () -> Replies.json(ex, 200, answer));
            } catch (SimError e) {
                Replies.error(ex, e);
            }
        };
    }

    private record Plain(String modelId) implements SimCall {
        @Override
        public boolean stream() {
            return false;
        }
    }

    private Exchange exchange(RoutingContext ctx) {
        return Exchange.of(ctx, inFlight, ticker);
    }

    /** Header first; for batch lines (no per-line headers) the body's {@code metadata.sluice_sim}. */
    private Directives directives(RoutingContext ctx, JsonNode body) {
        if (!options.faults()) return Directives.NONE;
        String header = ctx.request().getHeader(SIM_HEADER);
        if (header != null && !header.isBlank()) return Directives.parse(header);
        if (body == null) return Directives.NONE;
        JsonNode v = body.path("metadata").path("sluice_sim");
        if (v.isMissingNode() || v.isNull()) return Directives.NONE;
        if (!v.isTextual()) throw Fields.invalid(SIM_HEADER, "metadata.sluice_sim must be a string");
        return Directives.parse(v.asText());
    }

    private static JsonNode jsonBody(RoutingContext ctx) {
        Buffer b = ctx.body().buffer();
        if (b == null || b.length() == 0) throw SimError.at(ErrorKind.INVALID_JSON, null, "detail", "the body is empty");
        JsonNode n;
        try {
            n = STRICT_JSON.readTree(b.getBytes());
        } catch (IOException e) {
            throw SimError.at(ErrorKind.INVALID_JSON, null, "detail", "the body is not valid JSON");
        }
        if (n == null || !n.isObject()) {
            throw SimError.at(ErrorKind.INVALID_JSON, null, "detail", "the body must be a JSON object");
        }
        return n;
    }

    /** A bug in the simulator: 500 if nothing was sent yet, else the connection is dropped. */
    static void internalError(Exchange ex, Throwable t) {
        LOG.warn("simulator failed on request {}", ex.requestId(), t);
        if (ex.released()) return;
        if (ex.response().headWritten()) ex.disconnect();
        else Replies.error(ex, SimError.at(ErrorKind.INTERNAL_ERROR, null, "request_id", ex.requestId()));
    }
}
