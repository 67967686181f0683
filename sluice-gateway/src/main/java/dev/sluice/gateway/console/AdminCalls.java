package dev.sluice.gateway.console;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

/**
 * Calls the admin API of this same gateway, over the connection address the console request arrived on, with the
 * admin token added here on the server. The console therefore reads and changes everything exactly as the API does
 * (same validation, same audit entries, same cache invalidation), and the token never reaches the browser.
 */
final class AdminCalls implements AutoCloseable {
    static final ObjectMapper JSON = Json.MAPPER;
    private final HttpClient client;
    private final String adminToken;

    public AdminCalls(Vertx vertx, String adminToken) {
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
        this.adminToken = adminToken;
    }

    /** An admin API answer: status, content type and body. */
    public record Answer(int status, String contentType, Buffer body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body.getBytes());
            } catch (Exception e) {
                return JSON.createObjectNode();
            }
        }

        public boolean ok() { return status < 300; }
    }

    /**
     * @param admin   the admin server's address (the local address of the console request)
     * @param path    the admin API path after {@code /v1}, with its query string
     * @param orgId   the organization the change is about ({@code OpenAI-Organization}), or null
     */
    public Future<Answer> call(SocketAddress admin, HttpMethod method, String path, String orgId, Buffer body) {
        RequestOptions o = new RequestOptions().setMethod(method).setServer(admin).setHost(admin.hostAddress())
                .setPort(admin.port()).setURI("/v1" + path).putHeader("authorization", "Bearer " + adminToken);
        if (orgId != null && !orgId.isBlank()) o.putHeader("openai-organization", orgId);
        if (body != null) o.putHeader("content-type", "application/json");
        return client.request(o).compose(req -> (body == null ? req.send() : req.send(body)))
                .compose(res -> res.body().map(b -> new Answer(res.statusCode(),
                        res.getHeader("content-type"), b)));
    }

    @Override
    public void close() {
        client.close();
    }
}
