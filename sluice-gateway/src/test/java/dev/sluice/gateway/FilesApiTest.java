package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.sluice.gateway.BatchTestSupport.*;
import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** The Files API over real HTTP: upload, list with cursors, retrieve, content, delete, limits and every refusal. */
class FilesApiTest {
    @TempDir
    static Path dir;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.builder(dir).config("files:\n  max_bytes: 100000\n  max_lines: 5\n").start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static final String TWO_LINES = chatLine("a", null) + chatLine("b", null);

    @Test
    void anUploadAnswersTheFileObjectAndTheContentComesBackByteForByte() {
        HttpResponse<String> r = upload(gw, "my-input.jsonl", TWO_LINES.getBytes(StandardCharsets.UTF_8), "batch");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-request-id")).isPresent();
        JsonNode f = json(r.body());
        assertThat(f.get("id").asText()).startsWith("file-");
        assertThat(f.get("object").asText()).isEqualTo("file");
        assertThat(f.get("bytes").asLong()).isEqualTo(TWO_LINES.getBytes(StandardCharsets.UTF_8).length);
        assertThat(f.get("filename").asText()).isEqualTo("my-input.jsonl");
        assertThat(f.get("purpose").asText()).isEqualTo("batch");
        assertThat(f.get("status").asText()).isEqualTo("processed");
        assertThat(f.get("created_at").asLong()).isBetween(System.currentTimeMillis() / 1000 - 60,
                System.currentTimeMillis() / 1000 + 1);
        assertThat(f.has("status_details") && f.has("expires_at")).isTrue();

        JsonNode got = json(gw.request("GET", "/v1/files/" + f.get("id").asText()).body());
        assertThat(got).isEqualTo(f);
        HttpResponse<String> content = gw.request("GET", "/v1/files/" + f.get("id").asText() + "/content");
        assertThat(content.statusCode()).isEqualTo(200);
        assertThat(content.body()).isEqualTo(TWO_LINES);
        assertThat(content.headers().firstValue("x-request-id")).isPresent();
    }

    @Test
    void anUploadIsStreamedToDiskAndOnlyTheFinishedFileKeepsAName() throws Exception {
        // A body larger than max_body_bytes would be refused by the JSON body handler; uploads bypass it.
        StringBuilder big = new StringBuilder();
        String pad = "x".repeat(15_000);
        for (int i = 0; i < 5; i++) big.append("{\"custom_id\":\"").append(i).append("\",\"pad\":\"").append(pad).append("\"}\n");
        HttpResponse<String> r = upload(gw, "big.jsonl", big.toString().getBytes(StandardCharsets.UTF_8), "batch");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String id = json(r.body()).get("id").asText();
        Path files = dir.resolve("data").resolve("files");
        assertThat(files.resolve(id)).hasContent(big.toString());
        try (var tmp = Files.list(files.resolve("tmp"))) {
            assertThat(tmp.toList()).isEmpty();
        }
    }

    @Test
    void listingPagesWithAfterAndLimitNewestFirst() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) ids.add(uploadBatchFile(gw, TWO_LINES));
        JsonNode page1 = json(gw.request("GET", "/v1/files?limit=2").body());
        assertThat(page1.get("object").asText()).isEqualTo("list");
        assertThat(page1.get("data")).hasSize(2);
        assertThat(page1.get("has_more").asBoolean()).isTrue();
        assertThat(page1.get("first_id").asText()).isEqualTo(page1.get("data").get(0).get("id").asText());
        assertThat(page1.get("last_id").asText()).isEqualTo(page1.get("data").get(1).get("id").asText());
        List<String> seen = new ArrayList<>();
        String after = null;
        while (true) {
            JsonNode page = json(gw.request("GET", "/v1/files?limit=2" + (after == null ? "" : "&after=" + after)).body());
            page.get("data").forEach(f -> seen.add(f.get("id").asText()));
            if (!page.get("has_more").asBoolean()) break;
            after = page.get("last_id").asText();
        }
        assertThat(seen).doesNotHaveDuplicates().containsAll(ids);
        assertThat(seen.indexOf(ids.get(2))).isLessThan(seen.indexOf(ids.get(0)));
        JsonNode asc = json(gw.request("GET", "/v1/files?order=asc&limit=10000").body());
        List<String> ascIds = new ArrayList<>();
        asc.get("data").forEach(f -> ascIds.add(f.get("id").asText()));
        assertThat(ascIds.indexOf(ids.get(0))).isLessThan(ascIds.indexOf(ids.get(2)));
        assertError(gw.request("GET", "/v1/files?limit=0"), 400, "invalid_request_error", "invalid_value", "limit", false);
        assertError(gw.request("GET", "/v1/files?order=sideways"), 400, "invalid_request_error", "invalid_value",
                "order", false);
    }

    @Test
    void anUnknownAfterCursorIsA400NamingAfter() {
        assertError(gw.request("GET", "/v1/files?after=file-nope"), 400, "invalid_request_error", "invalid_value",
                "after", false);
    }

    @Test
    void deleteRemovesTheFileAndItsBytesAndASecondDeleteIsNotFound() {
        String id = uploadBatchFile(gw, TWO_LINES);
        HttpResponse<String> d = gw.request("DELETE", "/v1/files/" + id);
        assertThat(d.statusCode()).isEqualTo(200);
        JsonNode body = json(d.body());
        assertThat(body.get("id").asText()).isEqualTo(id);
        assertThat(body.get("object").asText()).isEqualTo("file");
        assertThat(body.get("deleted").asBoolean()).isTrue();
        assertThat(dir.resolve("data").resolve("files").resolve(id)).doesNotExist();
        JsonNode e = assertError(gw.request("DELETE", "/v1/files/" + id), 404, "invalid_request_error", "not_found",
                null, false);
        assertThat(e.get("message").asText()).isEqualTo("No file found with id '" + id + "'.");
        assertError(gw.request("GET", "/v1/files/" + id), 404, "invalid_request_error", "not_found", null, false);
        assertError(gw.request("GET", "/v1/files/" + id + "/content"), 404, "invalid_request_error", "not_found",
                null, false);
    }

    @Test
    void anotherProjectsFileIsNotFound() throws Exception {
        String id = uploadBatchFile(gw, TWO_LINES);
        String otherKey = OtherProject.key(gw);
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/files/" + id)))
                .header("authorization", "Bearer " + otherKey).GET().build());
        assertError(r, 404, "invalid_request_error", "not_found", null, false);
        HttpResponse<String> list = gw.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/files")))
                .header("authorization", "Bearer " + otherKey).GET().build());
        assertThat(json(list.body()).get("data").toString()).doesNotContain(id);
    }

    @Test
    void aMissingPurposeIsA400NamingIt() {
        assertError(upload(gw, "a.jsonl", TWO_LINES.getBytes(StandardCharsets.UTF_8), null), 400,
                "invalid_request_error", null, "purpose", false);
    }

    @Test
    void anUnsupportedPurposeIsAnInvalidValue() {
        JsonNode e = assertError(upload(gw, "a.jsonl", TWO_LINES.getBytes(StandardCharsets.UTF_8), "fine-tune"), 400,
                "invalid_request_error", "invalid_value", "purpose", false);
        assertThat(e.get("message").asText()).contains("fine-tune");
    }

    @Test
    void aFileThatIsNotJsonlIsAnInvalidValue() {
        assertError(upload(gw, "a.csv", "a,b\n".getBytes(StandardCharsets.UTF_8), "batch"), 400,
                "invalid_request_error", "invalid_value", "file", false);
    }

    @Test
    void aFileWithMoreLinesThanTheLimitIsRefusedAndLeavesNothingBehind() throws Exception {
        String six = "{}\n".repeat(6);
        JsonNode e = assertError(upload(gw, "six.jsonl", six.getBytes(StandardCharsets.UTF_8), "batch"), 400,
                "invalid_request_error", "invalid_value", "file", false);
        assertThat(e.get("message").asText()).contains("5 lines");
        try (var tmp = Files.list(dir.resolve("data").resolve("files").resolve("tmp"))) {
            assertThat(tmp.toList()).isEmpty();
        }
    }

    @Test
    void aFileLargerThanTheLimitIs413() {
        byte[] big = ("{\"pad\":\"" + "y".repeat(120_000) + "\"}\n").getBytes(StandardCharsets.UTF_8);
        JsonNode e = assertError(upload(gw, "big.jsonl", big, "batch"), 413, "invalid_request_error",
                "request_too_large", null, false);
        assertThat(e.get("message").asText()).contains("100000");
    }

    @Test
    void aMissingFilePartIsA400NamingFile() {
        assertError(upload(gw, null, null, "batch"), 400, "invalid_request_error", null, "file", false);
    }

    @Test
    void aJsonBodyInsteadOfMultipartIsA400() {
        assertError(gw.post("/v1/files", "{\"purpose\":\"batch\"}"), 400, "invalid_request_error", "invalid_value",
                "file", false);
    }

    @Test
    void anUploadWithoutAKeyIs401AndTheConnectionIsNotReused() {
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/files")))
                .timeout(Duration.ofSeconds(20))
                .header("content-type", "multipart/form-data; boundary=xyz")
                .POST(HttpRequest.BodyPublishers.ofString("--xyz--\r\n")).build());
        assertError(r, 401, "invalid_request_error", "missing_api_key", null, false);
        assertThat(r.headers().firstValue("connection")).contains("close");
    }

    @Test
    void wrongMethodsOnFileRoutesAre405WithAllow() {
        HttpResponse<String> r = gw.request("PUT", "/v1/files");
        assertError(r, 405, "invalid_request_error", "method_not_allowed", null, false);
        assertThat(r.headers().firstValue("allow")).contains("GET, POST");
        HttpResponse<String> c = gw.request("POST", "/v1/files/file-x/content");
        assertError(c, 405, "invalid_request_error", "method_not_allowed", null, false);
        assertThat(c.headers().firstValue("allow")).contains("GET");
    }
}
