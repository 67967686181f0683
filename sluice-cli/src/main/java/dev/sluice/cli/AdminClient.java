package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A small JDK HttpClient for the admin API. A non-2xx answer becomes an {@link ApiFailure} carrying the contract's
 * message, code, param and request id; an unreachable server a {@link Failure}.
 */
final class AdminClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Something went wrong before an answer could be read. */
    static class Failure extends RuntimeException {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** The admin API answered an error. */
    static final class ApiFailure extends Failure {
        final int status;
        final String code;
        final String param;
        final String requestId;

        ApiFailure(int status, String message, String code, String param, String requestId) {
            super(message);
            this.status = status;
            this.code = code;
            this.param = param;
            this.requestId = requestId;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;
    private final String org;

    AdminClient(String baseUrl, String token, String org) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.org = org;
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, JsonNode body) {
        return send("POST", path, body);
    }

    JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    /** Every item of a paginated list, following {@code has_more} / {@code last_id}. */
    ObjectNode getAll(String path) {
        ObjectNode all = JSON.createObjectNode();
        all.put("object", "list");
        ArrayNode data = all.putArray("data");
        String after = null;
        while (true) {
            String sep = path.contains("?") ? "&" : "?";
            JsonNode page = get(path + sep + "limit=100" + (after == null ? "" : "&after=" + enc(after)));
            page.path("data").forEach(data::add);
            if (!page.path("has_more").asBoolean(false) || page.path("last_id").isNull()) return all;
            after = page.path("last_id").asText();
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private JsonNode send(String method, String path, JsonNode body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) b.header("content-type", "application/json");
        if (org != null && !org.isBlank()) b.header("openai-organization", org);
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failure("cannot reach the admin API at " + base + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is the gateway running? "
                    + "Set --admin-url or SLUICE_ADMIN_URL");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        } catch (IllegalArgumentException e) {
            throw new Failure("invalid admin URL " + base + ": " + e.getMessage());
        }
        JsonNode json;
        try {
            json = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            json = null;
        }
        String requestId = r.headers().firstValue("x-request-id").orElse(null);
        if (r.statusCode() / 100 != 2) {
            JsonNode err = json == null ? null : json.get("error");
            if (err == null || !err.isObject()) {
                throw new ApiFailure(r.statusCode(), "HTTP " + r.statusCode() + " from the admin API", null, null, requestId);
            }
            throw new ApiFailure(r.statusCode(), err.path("message").asText("HTTP " + r.statusCode()),
                    text(err.get("code")), text(err.get("param")), requestId);
        }
        if (json == null) throw new Failure("the admin API answered something that is not JSON");
        return json;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
