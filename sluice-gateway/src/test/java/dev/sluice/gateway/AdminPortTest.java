package dev.sluice.gateway;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** The operations port: open health and metrics, admin-token protected /v1/, same error contract. */
class AdminPortTest {
    @TempDir
    static Path dir;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.builder(dir).start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static HttpResponse<String> admin(String method, String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.adminPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) b.header("authorization", "Bearer " + token);
        return gw.send(b.build());
    }

    @Test
    void healthAndMetricsNeedNoToken() {
        assertThat(admin("GET", "/health/live", null).statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/health/ready", null).statusCode()).isEqualTo(200);
        gw.request("GET", "/v1/models");
        // The request is counted when it settles on its event loop, which may be just after its answer reached us.
        HttpResponse<String> m = admin("GET", "/metrics", null);
        for (int i = 0; i < 100 && m.statusCode() == 200 && !m.body().contains("sluice_requests_total"); i++) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            m = admin("GET", "/metrics", null);
        }
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.body()).contains("sluice_requests_total");
    }

    @Test
    void adminRoutesWithoutTheTokenAre401() {
        assertError(admin("GET", "/v1/organization/projects", null), 401, "invalid_request_error",
                "missing_api_key", null, false);
        assertError(admin("GET", "/v1/organization/projects", "sk-admin-wrongwrongwrongwrong"), 401,
                "invalid_request_error", "invalid_api_key", null, false);
        assertError(admin("GET", "/v1/organization/projects", TestGateway.DEMO_KEY), 401,
                "invalid_request_error", "invalid_api_key", null, false);
    }

    @Test
    void theGeneratedAdminTokenIsKeptInTheDataDirAndWorks() throws Exception {
        Path file = gw.dataDir.resolve("data").resolve("admin-token");
        assertThat(Files.readString(file).strip()).isEqualTo(gw.gateway.adminToken());
        assertThat(gw.gateway.adminTokenGenerated()).isTrue();
        assertError(admin("GET", "/v1/nothing", gw.gateway.adminToken()), 404, "invalid_request_error",
                "unknown_url", null, false);
    }
}
