package dev.sluice.gateway.upstream;

import dev.sluice.gateway.config.choice.Provider;
import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.models.Deployment;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorBodies;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * {@code provider: detail} — OpenAI-compatible servers (FastAPI-based ones, typically) whose errors are
 * {@code {"detail": "…"}} or FastAPI's validation list {@code {"detail": [{"loc": […], "msg": "…"}]}}: the detail
 * becomes the message (and the first location the {@code param}), normalised into the catalogue by status. A 2xx
 * answer made only of a {@code detail} is an error. Their model listing may carry {@code max_sequence_length};
 * {@link #checkContextWindows} reads it once at start and warns when a configured {@code context_window} is larger.
 */
public final class DetailAdapter implements ProviderAdapter {
    private static final Logger LOG = LoggerFactory.getLogger("sluice.upstream");
    private static final ObjectMapper JSON = Json.MAPPER;

    @Override
    public Provider provider() {
        return Provider.DETAIL;
    }

    @Override
    public ApiException error(int status, String body, String model, String deployment) {
        Optional<ApiError> detail = detail(body);
        if (detail.isPresent()) return UpstreamErrors.fromStatus(status, detail, false, body, model, deployment);
        return UpstreamErrors.fromStatus(status, body, model, deployment);
    }

    @Override
    public boolean carriesError(JsonNode root) {
        if (ErrorBodies.carriesError(root)) return true;
        return root.has("detail") && !root.has("choices") && !root.has("data") && !root.has("output");
    }

    @Override
    public String requestId(MultiMap headers) {
        String id = headers.get("x-request-id");
        return id != null ? id : headers.get("request-id");
    }

    /** The error of a {@code {"detail": …}} body, or empty when the body has another shape. */
    static Optional<ApiError> detail(String body) {
        if (body == null || !body.contains("\"detail\"")) return Optional.empty();
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (Exception e) {
            return Optional.empty();
        }
        if (root == null || !root.isObject() || !root.has("detail")) return Optional.empty();
        JsonNode d = root.get("detail");
        if (d.isTextual()) return Optional.of(new ApiError(d.asText(), "invalid_request_error", null, null));
        if (d.isArray() && !d.isEmpty()) {
            List<String> parts = new ArrayList<>();
            String param = null;
            for (JsonNode item : d) {
                String loc = location(item.path("loc"));
                String msg = item.path("msg").asText(item.isTextual() ? item.asText() : "invalid");
                if (param == null && !loc.isEmpty()) param = loc;
                parts.add(loc.isEmpty() ? msg : loc + ": " + msg);
            }
            return Optional.of(new ApiError(String.join("; ", parts), "invalid_request_error", param, null));
        }
        if (d.isObject() && d.hasNonNull("message")) {
            return Optional.of(new ApiError(d.get("message").asText(), "invalid_request_error", null, null));
        }
        return Optional.of(new ApiError(d.toString(), "invalid_request_error", null, null));
    }

    /** FastAPI's {@code ["body", "messages", 0, "content"]} as {@code messages[0].content}. */
    private static String location(JsonNode loc) {
        StringBuilder sb = new StringBuilder();
        if (!loc.isArray()) return "";
        for (JsonNode part : loc) {
            if (part.isInt()) {
                sb.append('[').append(part.asInt()).append(']');
            } else {
                String p = part.asText();
                if (sb.isEmpty() && p.equals("body")) continue;
                if (!sb.isEmpty()) sb.append('.');
                sb.append(p);
            }
        }
        return sb.toString();
    }

    /**
     * {@code max_sequence_length} of {@code model} in a model listing ({@code {"data": [{"id", …}]}}) or a single
     * model object; empty when the provider does not say.
     */
    public static OptionalInt maxSequenceLength(JsonNode answer, String model) {
        if (answer == null) return OptionalInt.empty();
        List<JsonNode> candidates = new ArrayList<>();
        if (answer.path("data").isArray()) answer.get("data").forEach(candidates::add);
        else candidates.add(answer);
        for (JsonNode m : candidates) {
            JsonNode v = m.get("max_sequence_length");
            if (model.equals(m.path("id").asText()) && v != null && v.canConvertToInt() && v.asInt() > 0) {
                return OptionalInt.of(v.asInt());
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Asks every {@code detail} deployment for its model listing ({@code GET {base_url}/models}) without blocking
     * start-up, and logs a warning on {@code sluice.upstream} for each model whose configured {@code context_window}
     * is larger than the provider's {@code max_sequence_length} (such prompts would fail upstream instead of getting
     * Sluice's own 400). Unreachable providers are only noted at debug level. Completes when all answers are in.
     */
    public static Future<List<String>> checkContextWindows(HttpClient http, ModelCatalog catalog,
                                                           Function<Deployment, String> baseUrls,
                                                           Map<String, String> env) {
        List<Future<String>> checks = new ArrayList<>();
        for (ModelSpec model : catalog.all()) {
            for (Deployment d : model.deployments()) {
                if (!"detail".equals(d.provider())) continue;
                String upstreamModel = d.upstreamModel() != null ? d.upstreamModel() : model.id();
                RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET)
                        .setAbsoluteURI(baseUrls.apply(d) + "/models").setTimeout(10_000);
                String key = Credentials.secret(d, env);
                if (key != null) ro.putHeader("authorization", "Bearer " + key);
                checks.add(http.request(ro).compose(r -> r.send()).compose(r -> r.body())
                        .map(b -> {
                            OptionalInt max;
                            try {
                                max = maxSequenceLength(JSON.readTree(b.getBytes()), upstreamModel);
                            } catch (Exception e) {
                                max = OptionalInt.empty();
                            }
                            if (max.isPresent() && max.getAsInt() < model.contextWindow()) {
                                String w = "model " + model.id() + " deployment " + d.name() + ": context_window "
                                        + model.contextWindow() + " is larger than the provider's max_sequence_length "
                                        + max.getAsInt() + "; set context_window <= " + max.getAsInt();
                                LOG.warn(w);
                                return w;
                            }
                            return (String) null;
                        })
                        .recover(err -> {
                            LOG.debug("model metadata of deployment {} unavailable: {}", d.name(), err.toString());
                            return Future.succeededFuture(null);
                        }));
            }
        }
        return Future.join(checks).map(cf -> {
            List<String> warnings = new ArrayList<>();
            for (Future<String> f : checks) if (f.result() != null) warnings.add(f.result());
            return warnings;
        });
    }
}
