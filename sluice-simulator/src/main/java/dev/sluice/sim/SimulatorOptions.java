package dev.sluice.sim;

import java.util.Objects;

/**
 * How a simulator is started. Immutable; the {@code withX} methods return copies so callers start from
 * {@link #defaults()} and change only what they care about.
 *
 * @param host                bind address
 * @param port                listen port, 0 for an ephemeral one
 * @param faults              whether {@code x-sluice-sim} / {@code metadata.sluice_sim} directives are honoured
 * @param tokensPerSecond     default stream pacing, 0 = unpaced
 * @param embeddingDimensions length of every embedding vector unless the request asks for fewer
 */
public record SimulatorOptions(String host, int port, boolean faults, int tokensPerSecond, int embeddingDimensions) {

    public SimulatorOptions {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
        if (tokensPerSecond < 0) throw new IllegalArgumentException("tokensPerSecond must be >= 0");
        if (embeddingDimensions < 1 || embeddingDimensions > 16_384) {
            throw new IllegalArgumentException("embeddingDimensions must be 1..16384, got " + embeddingDimensions);
        }
    }

    /** 127.0.0.1, an ephemeral port, faults on, 200 tokens/s, 256-dimensional embeddings. */
    public static SimulatorOptions defaults() {
        return new SimulatorOptions("127.0.0.1", 0, true, 200, 256);
    }

    public SimulatorOptions withHost(String host) {
        return new SimulatorOptions(host, port, faults, tokensPerSecond, embeddingDimensions);
    }

    public SimulatorOptions withPort(int port) {
        return new SimulatorOptions(host, port, faults, tokensPerSecond, embeddingDimensions);
    }

    public SimulatorOptions withFaults(boolean faults) {
        return new SimulatorOptions(host, port, faults, tokensPerSecond, embeddingDimensions);
    }

    public SimulatorOptions withTokensPerSecond(int tokensPerSecond) {
        return new SimulatorOptions(host, port, faults, tokensPerSecond, embeddingDimensions);
    }

    public SimulatorOptions withEmbeddingDimensions(int embeddingDimensions) {
        return new SimulatorOptions(host, port, faults, tokensPerSecond, embeddingDimensions);
    }
}
