package dev.sluice.cli;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Runs the gateway until interrupted; prints the demo key at first start and the readiness line. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the gateway (embedded default: SQLite under ./data, in-memory limits, simulated provider).")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", description = "YAML config file (env SLUICE_CONFIG)")
    Path config;
    @Option(names = "--port", description = "public API port (env SLUICE_PORT, default 8080)")
    Integer port;
    @Option(names = "--admin-port", description = "admin port (env SLUICE_ADMIN_PORT, default 8081)")
    Integer adminPort;
    @Option(names = "--data-dir", description = "data directory (env SLUICE_DATA_DIR, default ./data)")
    String dataDir;

    @Override
    public Integer call() throws InterruptedException {
        SluiceConfig cfg;
        try {
            cfg = ConfigLoader.load(new ConfigLoader.Flags(config, port, adminPort, dataDir), System.getenv());
        } catch (ConfigException e) {
            System.err.println("sluice: " + e.getMessage());
            return 2;
        }
        Gateway gateway;
        try {
            gateway = Gateway.start(cfg, System.getenv(), Gateway.Options.defaults());
        } catch (RuntimeException e) {
            System.err.println("sluice: could not start: " + e.getMessage());
            return 1;
        }
        gateway.demo().ifPresent(d -> {
            System.out.println("Demo organization " + d.orgId() + ", project " + d.projectId() + ".");
            if (d.secretGenerated()) {
                System.out.println("Demo API key (shown once; set SLUICE_DEMO_KEY to choose your own): " + d.secret());
            } else {
                System.out.println("Demo API key: the value of SLUICE_DEMO_KEY.");
            }
        });
        if (gateway.adminTokenGenerated()) {
            System.out.println("Admin token (shown once; kept in " + Path.of(cfg.dataDir()).resolve("admin-token")
                    + "; set SLUICE_ADMIN_TOKEN to choose your own): " + gateway.adminToken());
        }
        System.out.println("Sluice listening on http://127.0.0.1:" + gateway.port());
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "sluice-shutdown"));
        stopped.await();
        return 0;
    }
}
