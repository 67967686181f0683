package dev.sluice.gateway.config;

/** Validation of {@code upstream_pool} and of each deployment's {@code max_connections}, {@code max_streams}, {@code http2}. */
final class UpstreamPoolConfig {
    private UpstreamPoolConfig() {}

    static void validate(SluiceConfig.UpstreamPool p) {
        require(p != null, "upstream_pool", "is required");
        require(p.maxConnections() >= 1 && p.maxConnections() <= 100_000, "upstream_pool.max_connections",
                "must be between 1 and 100000");
        require(p.maxStreams() >= 1 && p.maxStreams() <= 100_000, "upstream_pool.max_streams",
                "must be between 1 and 100000");
        require(p.waitMs() >= 1 && p.waitMs() <= 600_000, "upstream_pool.wait_ms", "must be between 1 and 600000");
        require(p.maxWaiting() >= 0 && p.maxWaiting() <= 10_000_000, "upstream_pool.max_waiting",
                "must be between 0 and 10000000");
    }

    /** {@code server.event_loops}: 0 (one per core) up to 256; {@code server.event_loop_spin_us}: 0 up to 1000. */
    static void validateServer(SluiceConfig.Server s) {
        require(s != null && s.eventLoops() >= 0 && s.eventLoops() <= 256, "server.event_loops",
                "must be between 0 (one per core) and 256");
        require(s.eventLoopSpinUs() >= 0 && s.eventLoopSpinUs() <= 1000, "server.event_loop_spin_us",
                "must be between 0 (sleep at once) and 1000");
    }

    static void validateDeployment(SluiceConfig.ModelDeployment d, String dk) {
        require(d.maxConnections() == null || d.maxConnections() >= 1 && d.maxConnections() <= 100_000,
                dk + ".max_connections", "must be between 1 and 100000");
        require(d.maxStreams() == null || d.maxStreams() >= 1 && d.maxStreams() <= 100_000,
                dk + ".max_streams", "must be between 1 and 100000");
    }

    private static void require(boolean ok, String key, String why) {
        if (!ok) throw new ConfigException("Invalid config: key '" + key + "' " + why);
    }
}
