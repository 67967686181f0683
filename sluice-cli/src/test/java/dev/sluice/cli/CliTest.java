package dev.sluice.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new Main()).execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void explainAQuotaErrorSaysNeverRetry() {
        Run r = run("explain", "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\","
                + "\"param\":null,\"code\":\"insufficient_quota\"}}");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("insufficient_quota").containsIgnoringCase("not");
    }

    @Test
    void explainAStatusCode() {
        Run r = run("explain", "503");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("503");
    }

    @Test
    void explainASavedResponseWithHeaders() throws Exception {
        Path f = dir.resolve("resp.txt");
        Files.writeString(f, "HTTP/1.1 429 Too Many Requests\r\nx-request-id: req_0123456789abcdef0123456789abcdef\r\n"
                + "retry-after-ms: 1500\r\nx-should-retry: true\r\ncontent-type: application/json\r\n\r\n"
                + "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"param\":null,"
                + "\"code\":\"rate_limit_exceeded\"}}");
        Run r = run("explain", f.toString());
        assertThat(r.out()).contains("req_0123456789abcdef0123456789abcdef").contains("rate_limit_exceeded");
    }

    @Test
    void serveWithAnInvalidConfigStopsNamingTheKey() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "port: -5\n");
        Run r = run("serve", "--config", f.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("'port'");
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertThat(r.out()).contains("serve").contains("sim").contains("explain");
    }
}
