package dev.sluice.gateway;

import dev.sluice.gateway.config.ConfigLoader;
import dev.sluice.gateway.config.SluiceConfig;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A gateway in a process of its own, for tests that kill it: starts from the config file in {@code args[0]} with
 * the demo key {@link TestGateway#DEMO_KEY}, prints the readiness line {@code serve} prints, and runs until killed.
 */
public final class ChildGateway {
    private ChildGateway() {}

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("SLUICE_DEMO_KEY", TestGateway.DEMO_KEY);
        env.putIfAbsent("SLUICE_SERVER_WARMUP_ENABLED", "false");
        SluiceConfig cfg = ConfigLoader.load(new ConfigLoader.Flags(Path.of(args[0]), null, null, null), env);
        Gateway gateway = Gateway.start(cfg, env, Gateway.Options.defaults());
        System.out.println("Sluice listening on http://127.0.0.1:" + gateway.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
