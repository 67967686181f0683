package dev.sluice.gateway.upstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/** Builds an {@link Exchange} as the stages before the upstream call leave it, for adapter tests. */
final class Exchanges {
    private Exchanges() {}

    static Exchange chat(String body, boolean stream, String... headers) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < headers.length; i += 2) h.add(headers[i], headers[i + 1]);
        Exchange ex = new Exchange("req_0123456789abcdef0123456789abcdef", System.nanoTime(),
                Endpoint.CHAT_COMPLETIONS, "POST", "/v1/chat/completions", h, Buffer.buffer(body), "127.0.0.1",
                null, work -> Future.failedFuture("no workers in this test"), Promise.<Void>promise().future());
        try {
            ObjectNode json = (ObjectNode) new ObjectMapper().readTree(body);
            ex.json(json);
            ex.modelId(json.path("model").asText());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        ex.stream(stream);
        return ex;
    }
}
