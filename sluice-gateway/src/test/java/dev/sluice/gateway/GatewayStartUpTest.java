package dev.sluice.gateway;

import dev.sluice.testing.Loopback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Start-up: the I/O before assembly, the assembly, then the ordered steps; a start that fails at a late step closes
 * everything it had opened, so the same ports and data dir serve the next start.
 */
class GatewayStartUpTest {
    static final String LOOPBACK = "host: 127.0.0.1\nadmin_host: 127.0.0.1\n";

    @TempDir
    Path dir;

    @Test
    void thePortsListenOnlyAfterTheSettingsAreLoadedAndTheBatchRunnersStartAfterThePublicPort() {
        java.util.List<String> steps = Gateway.STEPS.stream().map(Gateway.Step::name).toList();
        int publicPort = steps.indexOf("listen on the public port");
        int adminPort = steps.indexOf("listen on the admin port");
        assertThat(steps.indexOf("load traffic settings")).isNotNegative().isLessThan(publicPort)
                .isLessThan(adminPort);
        assertThat(steps.indexOf("start the batch runners")).as("they call the public port")
                .isGreaterThan(publicPort);
    }

    @Test
    void aStartThatCannotListenOnTheAdminPortThrowsAndClosesWhatItOpened() throws IOException {
        int publicPort = Loopback.freePort();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int adminPort = taken.getLocalPort();
            assertThatThrownBy(() -> TestGateway.builder(dir).config(LOOPBACK).ports(publicPort, adminPort).start())
                    .isInstanceOf(IllegalStateException.class);
            // the public port listened before the admin step failed: it was closed again
            try (ServerSocket again = new ServerSocket()) {
                again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), publicPort));
            }
        }
        String token = Files.readString(dir.resolve("data").resolve("admin-token")).strip();
        // the database, simulator and ledger were closed: a new start on the same data dir and ports serves
        int adminPort = Loopback.freePort();
        try (TestGateway gw = TestGateway.builder(dir).config(LOOPBACK).ports(publicPort, adminPort).start()) {
            assertThat(gw.gateway.port()).isEqualTo(publicPort);
            assertThat(gw.gateway.adminToken()).as("kept from the failed start").isEqualTo(token);
            assertThat(gw.gateway.adminTokenGenerated()).isFalse();
            assertThat(gw.post("/v1/chat/completions", TestGateway.chat("sim-mini", null)).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void theAdminTokenNeverShowsInToString() {
        AdminToken token = new AdminToken("sk-admin-secret-value", true);
        assertThat(token.toString()).doesNotContain("sk-admin-secret-value").contains("generated");
    }
}
