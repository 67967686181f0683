package dev.sluice.gateway;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Something tests send HTTP to with the demo key: an in-process {@link TestGateway} or a child-process gateway. */
interface HttpTarget {
    String url(String path);

    HttpResponse<String> send(HttpRequest r);

    default HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        b.header("authorization", "Bearer " + TestGateway.DEMO_KEY);
        for (int i = 0; i < headers.length; i += 2) b.setHeader(headers[i], headers[i + 1]);
        return send(b.build());
    }

    default HttpResponse<String> request(String method, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        b.header("authorization", "Bearer " + TestGateway.DEMO_KEY);
        for (int i = 0; i < headers.length; i += 2) b.setHeader(headers[i], headers[i + 1]);
        return send(b.build());
    }
}
