package dev.sluice.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The benchmarks' one ObjectMapper (Jackson defaults): reads prompts, SSE events and error bodies. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}
}
