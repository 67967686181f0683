package dev.sluice.gateway;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static dev.sluice.gateway.TestGateway.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Values of the right JSON kind but the wrong shape are refused as OpenAI refuses them: 400 invalid_request_error
 * naming the exact {@code param} (issue 11, defect 8), and the well-formed variants of the same fields still pass.
 */
class LooseValidationTest {
    static final String CHAT = "/v1/chat/completions";
    static final String IMAGES = "/v1/images/generations";
    static final String RESPONSES = "/v1/responses";
    static final String EMBEDDINGS = "/v1/embeddings";

    @TempDir
    static Path dir;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.builder(dir).config("simulator:\n  tokens_per_second: 0\n").start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static String body(String route, String extra) {
        String base = switch (route) {
            case CHAT -> extra.contains("\"messages\"") ? "\"model\":\"sim-mini\""
                    : "\"model\":\"sim-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
            case IMAGES -> "\"model\":\"sim-image\",\"prompt\":\"a cat\"";
            case EMBEDDINGS -> "\"model\":\"sim-embed\"";
            default -> "\"model\":\"sim-mini\"";
        };
        return "{" + base + "," + extra + "}";
    }

    @ParameterizedTest(name = "{0} {1} -> {2} on {3}")
    @CsvSource(delimiter = '|', textBlock = """
            /v1/chat/completions   | "tool_choice":"x"                          | invalid_value | tool_choice
            /v1/chat/completions   | "tools":[1]                                | invalid_type  | tools[0]
            /v1/chat/completions   | "tools":[{"function":{"name":"f"}}]        |               | tools[0].type
            /v1/chat/completions   | "modalities":[1]                           | invalid_type  | modalities[0]
            /v1/chat/completions   | "modalities":["smell"]                     | invalid_value | modalities[0]
            /v1/chat/completions   | "response_format":{"a":1}                  |               | response_format.type
            /v1/chat/completions   | "response_format":{"type":"yaml"}          | invalid_value | response_format.type
            /v1/chat/completions   | "response_format":{"type":"json_schema"}   |               | response_format.json_schema
            /v1/chat/completions   | "stop":["a",1,null]                        | invalid_type  | stop[1]
            /v1/chat/completions   | "stop":["a",null]                          | invalid_type  | stop[1]
            /v1/chat/completions   | "seed":18446744073709551617                | invalid_value | seed
            /v1/chat/completions   | "seed":1.5                                 | invalid_type  | seed
            /v1/chat/completions   | "function_call":"x"                        | invalid_value | function_call
            /v1/chat/completions   | "functions":[1]                            | invalid_type  | functions[0]
            /v1/chat/completions   | "logit_bias":{"50256":"x"}                 | invalid_type  | logit_bias.50256
            /v1/chat/completions   | "logit_bias":{"50256":101}                 | invalid_value | logit_bias.50256
            /v1/chat/completions   | "stream_options":{"include_usage":"yes"}   | invalid_type  | stream_options.include_usage
            /v1/chat/completions   | "max_tokens":18446744073709551617          | invalid_value | max_tokens
            /v1/chat/completions   | "messages":[{"role":"user","content":[1]}]   | invalid_type  | messages[0].content[0]
            /v1/chat/completions   | "messages":[{"role":"user","content":[{"text":"hi"}]}] |  | messages[0].content[0].type
            /v1/images/generations | "size":"x"                                 | invalid_value | size
            /v1/images/generations | "quality":"x"                              | invalid_value | quality
            /v1/images/generations | "background":"x"                           | invalid_value | background
            /v1/images/generations | "output_format":"gif"                      | invalid_value | output_format
            /v1/responses          | "input":[1]                                | invalid_type  | input[0]
            /v1/responses          | "input":"hi","tools":[1]                   | invalid_type  | tools[0]
            /v1/responses          | "input":"hi","tool_choice":"x"             | invalid_value | tool_choice
            /v1/responses          | "input":"hi","include":[1]                 | invalid_type  | include[0]
            /v1/embeddings         | "input":[{}]                               | invalid_type  | input[0]
            /v1/embeddings         | "input":[null]                             | invalid_type  | input[0]
            """)
    void aValueOfTheWrongShapeIs400NamingTheParam(String route, String extra, String code, String param) {
        HttpResponse<String> r = gw.post(route, body(route, extra));
        assertError(r, 400, "invalid_request_error", code, param, false);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /v1/chat/completions   | "tool_choice":"auto","tools":[{"type":"function","function":{"name":"f"}}]
            /v1/chat/completions   | "tool_choice":{"type":"function","function":{"name":"f"}},"tools":[{"type":"function","function":{"name":"f"}}]
            /v1/chat/completions   | "modalities":["text"]
            /v1/chat/completions   | "response_format":{"type":"json_object"}
            /v1/chat/completions   | "response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{}}}
            /v1/chat/completions   | "stop":["a","b"]
            /v1/chat/completions   | "stop":"a"
            /v1/chat/completions   | "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]
            /v1/chat/completions   | "seed":-9223372036854775808
            /v1/chat/completions   | "logit_bias":{"50256":-100}
            /v1/chat/completions   | "stream_options":null
            /v1/images/generations | "size":"1024x1024","quality":"standard"
            /v1/responses          | "input":[{"role":"user","content":"hi"}],"include":["message.output_text.logprobs"]
            /v1/embeddings         | "input":["a","b"]
            """)
    void theWellFormedVariantsOfTheSameFieldsStillPass(String route, String extra) {
        HttpResponse<String> r = gw.post(route, body(route, extra));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
}
