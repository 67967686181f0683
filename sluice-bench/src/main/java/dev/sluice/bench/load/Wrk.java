package dev.sluice.bench.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs wrk (as a child, so it is killed with the rest) with the generated script and reads its result. */
final class Wrk {
    private final Path binary;
    private final Children children;
    private final Path workDir;
    private final int threads;

    Wrk(Path binary, Children children, Path workDir, int threads) {
        this.binary = binary;
        this.children = children;
        this.workDir = workDir;
        this.threads = threads;
    }

    WrkResult run(String name, int connections, int seconds, int port, BenchRequest request) throws Exception {
        Path script = workDir.resolve("request.lua");
        Files.writeString(script, WrkScript.render(request));
        List<String> cmd = List.of(binary.toString(), "-t" + Math.min(threads, connections), "-c" + connections,
                "-d" + seconds + "s", "--timeout", "10s", "--latency", "-s", script.toString(),
                "http://127.0.0.1:" + port + request.path());
        Children.Child w = children.start("wrk-" + name, cmd, Map.of());
        try {
            if (!w.process().waitFor(seconds + 30L, TimeUnit.SECONDS)) {
                throw new IllegalStateException("wrk did not finish within " + (seconds + 30) + " s");
            }
        } finally {
            children.stop(w);
        }
        String out = Files.readString(w.log());
        return WrkOutput.parse(out).orElseThrow(() -> new IllegalStateException("wrk printed no result: "
                + out.lines().limit(5).reduce("", (a, b) -> a + " " + b)));
    }

    static String summary(WrkResult w) {
        return String.format(Locale.ROOT, "%.0f req/s, p50 %s, p99 %s, %d non-2xx, %d socket errors",
                w.requestsPerSecond(), Report.micros(w.p50Micros()), Report.micros(w.p99Micros()), w.non2xx(),
                w.socketErrors());
    }
}
