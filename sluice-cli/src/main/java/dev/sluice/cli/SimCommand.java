package dev.sluice.cli;

import dev.sluice.sim.SimulatorOptions;
import dev.sluice.sim.SimulatorServer;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The simulator alone, as a mock OpenAI upstream for benchmarks, other gateways and client tests. */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Run the standalone simulator (deterministic OpenAI-compatible mock with fault injection).")
final class SimCommand implements Callable<Integer> {
    @Option(names = "--port", description = "port (default 8090; 0 = any free port)", defaultValue = "8090")
    int port;
    @Option(names = "--host", description = "bind address", defaultValue = "127.0.0.1")
    String host;
    @Option(names = "--tps", description = "stream pacing in tokens per second (0 = unpaced)", defaultValue = "200")
    int tps;
    @Option(names = "--no-faults", description = "ignore x-sluice-sim fault directives")
    boolean noFaults;

    @Override
    public Integer call() throws Exception {
        Vertx vertx = Vertx.vertx();
        SimulatorServer sim = SimulatorServer.start(vertx, new SimulatorOptions(host, port, !noFaults, tps, 256))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("Sluice simulator listening on http://" + host + ":" + sim.port());
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            vertx.close();
            stopped.countDown();
        }, "sim-shutdown"));
        stopped.await();
        return 0;
    }
}
