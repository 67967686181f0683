package dev.sluice.gateway.http;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A captured access line gives, for logback configurations of the operator's own and for {@code log.format: text},
 * the same fields the event loop used to put in a map: names, order, and the value types (a custom encoder or layout
 * sees an Integer where it saw one).
 */
class AccessRecordTest {
    private static List<String> typed(Map<String, Object> fields) {
        List<String> out = new ArrayList<>();
        fields.forEach((k, v) -> out.add(k + "=" + v + ":" + (v == null ? "null" : v.getClass().getSimpleName())));
        return out;
    }

    @Test
    void aConnectionLineHasItsSevenFieldsAsBefore() {
        Map<String, Object> before = new LinkedHashMap<>(); // AccessLog.connection before the record
        before.put("request_id", "req_1");
        before.put("method", "-");
        before.put("route", "-");
        before.put("status", 431);
        before.put("error_code", "request_header_fields_too_large");
        before.put("latency_ms", 0);
        before.put("client_ip", "::1");
        assertThat(typed(AccessRecord.connection("req_1", 431, "request_header_fields_too_large", "::1").fields()))
                .isEqualTo(typed(before));
    }

    @Test
    void aRequestLineHasItsFieldsAsBefore() {
        Map<String, Object> before = new LinkedHashMap<>(); // AccessLog.write before the record, with an exchange
        before.put("request_id", "req_2");
        before.put("method", "POST");
        before.put("route", "/v1/chat/completions");
        before.put("status", 200);
        before.put("error_code", null);
        before.put("latency_ms", 12L);
        before.put("client_ip", "127.0.0.1");
        before.put("model", "sim-mini");
        before.put("org_id", "org_1");
        before.put("project_id", "proj_1");
        before.put("key_id", "key_1");
        before.put("stream", true);
        before.put("prompt_tokens", 9);
        before.put("attempts", 1);
        before.put("completion_tokens", 3);
        before.put("deployment", "sim");
        before.put("upstream_latency_ms", 10L);
        before.put("ttft_ms", 4L);
        before.put("refused_by", null);
        before.put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
        AccessRecord r = new AccessRecord(AccessRecord.EXCHANGE, "req_2", "POST", "/v1/chat/completions", 200, null,
                12, "127.0.0.1", "sim-mini", "org_1", "proj_1", "key_1", true, 9, 1, 3, "sim", 10, 4, null,
                "4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(typed(r.fields())).isEqualTo(typed(before));

        before.put("upstream_latency_ms", null); // no upstream answered; not a stream
        before.put("ttft_ms", null);
        AccessRecord none = new AccessRecord(AccessRecord.EXCHANGE, "req_2", "POST", "/v1/chat/completions", 200,
                null, 12, "127.0.0.1", "sim-mini", "org_1", "proj_1", "key_1", true, 9, 1, 3, "sim", -1, -1, null,
                "4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(typed(none.fields())).isEqualTo(typed(before));

        Map<String, Object> plain = new LinkedHashMap<>(); // no exchange: the seven and the trace id
        for (String k : Arrays.asList("request_id", "method", "route", "status", "error_code", "latency_ms",
                "client_ip", "trace_id")) {
            plain.put(k, before.get(k));
        }
        AccessRecord p = new AccessRecord(AccessRecord.PLAIN, "req_2", "POST", "/v1/chat/completions", 200, null, 12,
                "127.0.0.1", null, null, null, null, false, 0, 0, 0, null, -1, -1, null,
                "4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(typed(p.fields())).isEqualTo(typed(plain));
    }
}
