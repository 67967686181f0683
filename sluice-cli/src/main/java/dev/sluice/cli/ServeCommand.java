package dev.sluice.cli;

import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.lifecycle.ConfigWatcher;
import dev.sluice.gateway.lifecycle.Signals;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the gateway until stopped: SIGTERM / Ctrl-C drain it (exit 0), SIGHUP reloads the config. Prints the banner
 * (demo key and admin token at first start) on stdout when the logs are text, on stderr when they are JSON lines,
 * so stdout then holds nothing but JSON.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the gateway (embedded default: SQLite under ./data, in-memory limits, simulated provider). "
                + "SIGTERM/Ctrl-C drain it (shutdown.drain_ms); SIGHUP reloads the config file.")
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
        Map<String, String> env = System.getenv();
        ConfigLoader.Flags flags = new ConfigLoader.Flags(config, port, adminPort, dataDir);
        SluiceConfig cfg;
        try {
            cfg = ConfigLoader.load(flags, env);
        } catch (ConfigException e) {
            System.err.println("sluice: " + e.getMessage());
            return 2;
        }
        String format = LogFormat.resolve(cfg.log().format().configName(), LogFormat.stdoutIsTerminal());
        LogFormat.apply(format);
        Gateway gateway;
        try {
            gateway = Gateway.start(cfg, env, Gateway.Options.defaults());
        } catch (RuntimeException e) {
            System.err.println("sluice: could not start: " + e.getMessage());
            return 1;
        }
        gateway.reloader().source(() -> ConfigLoader.load(flags, env));
        Path file = config != null ? config
                : env.get("SLUICE_CONFIG") != null && !env.get("SLUICE_CONFIG").isBlank()
                ? Path.of(env.get("SLUICE_CONFIG")) : null;
        ConfigWatcher watcher = null;
        if (cfg.reload().watch() && file != null) {
            try {
                watcher = ConfigWatcher.start(file, gateway.reloader());
            } catch (IOException e) {
                System.err.println("sluice: cannot watch " + file + " (reload.watch): " + e.getMessage());
            }
        }
        var demo = gateway.demo().orElse(null);
        PrintStream banner = "text".equals(format) ? System.out : System.err;
        banner.print(Banner.render(new Banner.Facts(Main.VERSION, gateway.port(), gateway.adminPort(),
                demo != null && demo.secretGenerated() ? demo.secret() : null,
                demo != null && !demo.secretGenerated(), demo == null ? null : demo.orgId(),
                demo == null ? null : demo.projectId(),
                gateway.adminTokenGenerated() ? gateway.adminToken() : null,
                Path.of(cfg.dataDir()).resolve("admin-token").toString(), cfg.shutdown().drainMs(), watcher != null)));
        banner.flush();
        ConfigWatcher w = watcher;
        CountDownLatch stopped = new CountDownLatch(1);
        boolean signals = Signals.install(gateway.signalHandlers(), status -> {
            if (w != null) w.close();
            LogFormat.flush();
            System.out.flush();
            System.exit(status);
        });
        // Any other way out of the JVM still closes the gateway (and writes out the usage ledger).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (signals) gateway.close();
            else gateway.drain();
            stopped.countDown();
        }, "sluice-shutdown"));
        stopped.await();
        return 0;
    }
}
