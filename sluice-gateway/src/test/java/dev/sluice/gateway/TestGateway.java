package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real gateway on loopback ports for tests, with a fixed demo key and a JDK HTTP client. The one way tests start an
 * in-process gateway (gateway, client and CLI tests; published in sluice-gateway's test-jar):
 * {@code TestGateway.builder(dir).config("simulator:\n  tokens_per_second: 0\n").clock(fakeTime).start()}.
 */
public final class TestGateway implements AutoCloseable, HttpTarget {
    public static final String DEMO_KEY = "sk-proj-testDemoKey0123456789abcdefghijklmnopqrstuv";
    static final ObjectMapper JSON = new ObjectMapper();
    /** A request with this header fails inside the gateway (a 500 that must leak nothing). */
    public static final String FAULT_HEADER = "x-test-fault";

    public final Gateway gateway;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    public final Path dataDir;
    /** Every usage record the gateway wrote, in order. */
    public final dev.sluice.gateway.usage.InMemoryUsageSink usage = new dev.sluice.gateway.usage.InMemoryUsageSink();

    /** A gateway whose config file, data and admin token live under {@code dir}. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /**
     * Named settings of a test gateway. Defaults: ports 0 (any free port), the embedded simulator on, the system clock,
     * the demo key {@link #DEMO_KEY}, no extra environment, no fault hook, no span exporter.
     */
    public static final class Builder {
        private final Path dir;
        private final StringBuilder yaml = new StringBuilder();
        private final Map<String, String> env = new HashMap<>();
        private Clock clock = Clock.systemUTC();
        private java.util.function.Consumer<dev.sluice.gateway.pipeline.Exchange> fault = ex -> { };
        private io.opentelemetry.sdk.trace.export.SpanExporter spans;
        private java.util.function.UnaryOperator<Gateway.Options> options = o -> o;
        private String demoKey = DEMO_KEY;
        private int port;
        private int adminPort;

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** Config YAML appended to the file (top-level keys; null adds nothing). */
        public Builder config(String extraYaml) {
            if (extraYaml != null) yaml.append(extraYaml);
            return this;
        }

        /** No embedded simulator (deployments then need a {@code base_url}). */
        public Builder withoutSimulator() {
            return config("simulator:\n  enabled: false\n");
        }

        /** Extra environment variables (declared key secrets, provider keys). */
        public Builder env(Map<String, String> extra) {
            env.putAll(extra);
            return this;
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** The clock limits, windows, keys, breakers and batches run on (a {@code FakeTime} in tests). */
        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** Sees every request before its pipeline (it may throw to answer an error). */
        public Builder fault(java.util.function.Consumer<dev.sluice.gateway.pipeline.Exchange> f) {
            this.fault = f;
            return this;
        }

        /** Every finished trace span also goes to {@code exporter} (an in-memory exporter). */
        public Builder spans(io.opentelemetry.sdk.trace.export.SpanExporter exporter) {
            this.spans = exporter;
            return this;
        }

        /** Adjusts the gateway's other options (e.g. a fixed random source, upstream time moved by hand). */
        public Builder options(java.util.function.UnaryOperator<Gateway.Options> adjust) {
            this.options = adjust;
            return this;
        }

        /** The demo key seeded at first start ({@code SLUICE_DEMO_KEY}); null for no demo key. */
        public Builder demoKey(String key) {
            this.demoKey = key;
            return this;
        }

        /** Fixed ports instead of any free one. */
        public Builder ports(int publicPort, int adminPort) {
            this.port = publicPort;
            this.adminPort = adminPort;
            return this;
        }

        public TestGateway start() {
            return new TestGateway(this);
        }
    }

    private TestGateway(Builder b) {
        this.dataDir = b.dir;
        try {
            Path cfgFile = dataDir.resolve("sluice-test.yaml");
            Files.createDirectories(dataDir);
            Files.writeString(cfgFile, "port: " + b.port + "\nadmin_port: " + b.adminPort + "\ndata_dir: "
                    + dataDir.resolve("data") + "\n" + b.yaml);
            Map<String, String> env = new HashMap<>();
            if (b.demoKey != null) env.put("SLUICE_DEMO_KEY", b.demoKey);
            env.put("SLUICE_SERVER_WARMUP_ENABLED", "false"); // ready at once; WarmUpTest turns it on
            env.putAll(b.env);
            SluiceConfig cfg = ConfigLoader.load(new ConfigLoader.Flags(cfgFile, null, null, null), env);
            java.util.function.Consumer<dev.sluice.gateway.pipeline.Exchange> fault = b.fault;
            gateway = Gateway.start(cfg, env, b.options.apply(Gateway.Options.defaults().withClock(b.clock)
                    .withUsage(usage).withSpans(b.spans).withTestFault(ex -> {
                        if (ex.header(FAULT_HEADER) != null) {
                            throw new IllegalStateException("boom at dev.sluice.Secret(Secret.java:42) " + DEMO_KEY);
                        }
                        fault.accept(ex);
                    })));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public API's base URL, {@code http://127.0.0.1:<port>/v1}. */
    public String baseUrl() {
        return gateway.baseUrl();
    }

    @Override
    public String url(String path) {
        return "http://127.0.0.1:" + gateway.port() + path;
    }

    @Override
    public HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        b.header("authorization", "Bearer " + DEMO_KEY);
        for (int i = 0; i < headers.length; i += 2) b.setHeader(headers[i], headers[i + 1]);
        return send(b.build());
    }

    HttpResponse<String> postNoAuth(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) b.setHeader(headers[i], headers[i + 1]);
        return send(b.build());
    }

    @Override
    public HttpResponse<String> request(String method, String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        b.header("authorization", "Bearer " + DEMO_KEY);
        for (int i = 0; i < headers.length; i += 2) b.setHeader(headers[i], headers[i + 1]);
        return send(b.build());
    }

    /** A call to the admin API with the admin token; {@code body} null for none; headers as name/value pairs. */
    HttpResponse<String> admin(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .timeout(Duration.ofSeconds(20)).header("authorization", "Bearer " + gateway.adminToken())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("content-type", "application/json");
        for (int i = 0; i < headers.length; i += 2) b.setHeader(headers[i], headers[i + 1]);
        return send(b.build());
    }

    /** The JSON of an admin answer that must be 200. */
    JsonNode adminOk(String method, String path, String body, String... headers) {
        HttpResponse<String> r = admin(method, path, body, headers);
        assertThat(r.statusCode()).as("%s %s -> %s", method, path, r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body());
        }
    }

    @Override
    public HttpResponse<String> send(HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]"
                + (extra == null ? "" : "," + extra) + "}";
    }

    /** Asserts the whole error contract of one answer and returns the error object. */
    static JsonNode assertError(HttpResponse<String> r, int status, String type, String code, String param,
                                boolean shouldRetry) {
        assertThat(r.statusCode()).as("status of %s", r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).matches("req_[0-9a-f]{32}"));
        assertThat(r.headers().firstValue("x-should-retry")).contains(String.valueOf(shouldRetry));
        assertThat(r.headers().firstValue("openai-version")).contains("2020-10-01");
        assertThat(r.headers().firstValue("openai-processing-ms")).isPresent();
        JsonNode err;
        try {
            err = JSON.readTree(r.body()).get("error");
        } catch (IOException e) {
            throw new AssertionError("body is not JSON: " + r.body());
        }
        assertThat(err).as("error object in %s", r.body()).isNotNull();
        assertThat(err.has("message") && err.has("type") && err.has("param") && err.has("code")).as(r.body()).isTrue();
        assertThat(err.get("type").asText()).isEqualTo(type);
        if (code == null) assertThat(err.get("code").isNull()).as(r.body()).isTrue();
        else assertThat(err.get("code").asText()).isEqualTo(code);
        if (param == null) assertThat(err.get("param").isNull()).as(r.body()).isTrue();
        else assertThat(err.get("param").asText()).isEqualTo(param);
        assertThat(err.get("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain(".java")
                .doesNotContain(DEMO_KEY).doesNotContain("127.0.0.1");
        return err;
    }

    @Override
    public void close() {
        gateway.close();
        http.shutdownNow(); // its selector thread ends too (client tests fail on leaked HttpClient threads)
    }
}
