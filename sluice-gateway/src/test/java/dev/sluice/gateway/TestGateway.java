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

/** A real gateway on loopback ports for tests, with a fixed demo key and a JDK HTTP client. */
final class TestGateway implements AutoCloseable, HttpTarget {
    static final String DEMO_KEY = "sk-proj-testDemoKey0123456789abcdefghijklmnopqrstuv";
    static final ObjectMapper JSON = new ObjectMapper();
    static final String FAULT_HEADER = "x-test-fault";

    final Gateway gateway;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final Path dataDir;
    final dev.sluice.gateway.usage.InMemoryUsageSink usage = new dev.sluice.gateway.usage.InMemoryUsageSink();

    TestGateway(Path dataDir, String extraYaml) {
        this(dataDir, extraYaml, Clock.systemUTC(), Map.of());
    }

    /** A gateway whose limits, windows, keys and batches run on {@code clock} (a {@link FakeClock} in tests). */
    TestGateway(Path dataDir, String extraYaml, Clock clock) {
        this(dataDir, extraYaml, clock, Map.of());
    }

    /** With extra environment variables (e.g. declared key secrets) and the clock the gateway runs on. */
    TestGateway(Path dataDir, String extraYaml, Map<String, String> extraEnv, Clock clock) {
        this(dataDir, extraYaml, clock, extraEnv);
    }

    /** A gateway on {@code clock} (breakers, key expiry, idempotency retention) with extra environment variables. */
    TestGateway(Path dataDir, String extraYaml, Clock clock, Map<String, String> extraEnv) {
        this(dataDir, extraYaml, clock, extraEnv, ex -> { });
    }

    /** As above, and {@code fault} sees every request before its pipeline (it may throw to answer an error). */
    TestGateway(Path dataDir, String extraYaml, Clock clock, java.util.function.Consumer<dev.sluice.gateway.pipeline.Exchange> fault) {
        this(dataDir, extraYaml, clock, Map.of(), fault);
    }

    TestGateway(Path dataDir, String extraYaml, Clock clock, Map<String, String> extraEnv,
                java.util.function.Consumer<dev.sluice.gateway.pipeline.Exchange> fault) {
        this(dataDir, extraYaml, clock, extraEnv, fault, (io.opentelemetry.sdk.trace.export.SpanExporter) null);
    }

    /** As above, and every finished trace span also goes to {@code spans} (an in-memory exporter). */
    TestGateway(Path dataDir, String extraYaml, Clock clock, Map<String, String> extraEnv,
                java.util.function.Consumer<dev.sluice.gateway.pipeline.Exchange> fault,
                io.opentelemetry.sdk.trace.export.SpanExporter spans) {
        this(dataDir, extraYaml, clock, extraEnv, fault, o -> o.withSpans(spans));
    }

    /** As above, and {@code options} adjusts the gateway's options (e.g. a fixed random source). */
    TestGateway(Path dataDir, String extraYaml, Clock clock, Map<String, String> extraEnv,
                java.util.function.Consumer<dev.sluice.gateway.pipeline.Exchange> fault,
                java.util.function.UnaryOperator<Gateway.Options> options) {
        this.dataDir = dataDir;
        try {
            Path cfgFile = dataDir.resolve("sluice-test.yaml");
            Files.createDirectories(dataDir);
            Files.writeString(cfgFile, "port: 0\nadmin_port: 0\ndata_dir: " + dataDir.resolve("data") + "\n"
                    + (extraYaml == null ? "" : extraYaml));
            Map<String, String> env = new HashMap<>();
            env.put("SLUICE_DEMO_KEY", DEMO_KEY);
            env.put("SLUICE_SERVER_WARMUP_ENABLED", "false"); // ready at once; WarmUpTest turns it on
            env.putAll(extraEnv);
            SluiceConfig cfg = ConfigLoader.load(new ConfigLoader.Flags(cfgFile, null, null, null), env);
            gateway = Gateway.start(cfg, env, options.apply(new Gateway.Options(clock, ex -> {
                if (ex.header(FAULT_HEADER) != null) {
                    throw new IllegalStateException("boom at dev.sluice.Secret(Secret.java:42) " + DEMO_KEY);
                }
                fault.accept(ex);
            }, usage)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
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
    }
}
