package dev.sluice.gateway.lifecycle;

import dev.sluice.gateway.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * The process signals of {@code sluice serve}. SIGTERM and SIGINT (Ctrl-C) start the graceful drain
 * ({@link Handlers#drain}) and exit 0 when it is done; a second one ends the drain at once (requests still in
 * flight get the in-band error, the ledger is still written); a third halts the JVM. SIGHUP reloads the config.
 * The gateway hands its {@link Handlers} in ({@code Gateway.signalHandlers()}), so this package never calls back
 * into the gateway class.
 */
public final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    /**
     * What the signals do.
     *
     * @param drain    the graceful stop; returns when it is over (a RuntimeException makes the exit status 1)
     * @param endDrain ends a drain under way at once
     * @param reload   reloads the config (a refused config throws {@link ConfigException}, already logged)
     */
    public record Handlers(Runnable drain, Runnable endDrain, Runnable reload) {}

    /**
     * @param exit called with the exit status once the drain is over (the CLI flushes its logs, then exits)
     * @return false when this JVM does not let us handle signals (then the JVM's default stop applies)
     */
    public static boolean install(Handlers handlers, IntConsumer exit) {
        AtomicInteger stops = new AtomicInteger();
        try {
            for (String name : new String[] {"TERM", "INT"}) {
                Signal.handle(new Signal(name), s -> stop(handlers, exit, stops.incrementAndGet(), s.getName()));
            }
            Signal.handle(new Signal("HUP"), s -> Thread.ofVirtual().name("sluice-reload").start(() -> {
                try {
                    handlers.reload().run();
                } catch (ConfigException refused) {
                    // logged and counted by the reloader; the running config stays
                }
            }));
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warn("cannot handle signals here ({}); a stop will not drain", e.getMessage());
            return false;
        }
    }

    private static void stop(Handlers handlers, IntConsumer exit, int count, String signal) {
        switch (count) {
            case 1 -> Thread.ofPlatform().name("sluice-drain").start(() -> {
                LOG.info("SIG{}: stopping (send it again to stop at once)", signal);
                int status = 0;
                try {
                    handlers.drain().run();
                } catch (RuntimeException e) {
                    LOG.error("drain failed: {}", e.toString());
                    status = 1;
                }
                exit.accept(status);
            });
            case 2 -> {
                LOG.warn("SIG{} again: ending the drain now", signal);
                handlers.endDrain().run();
            }
            default -> Runtime.getRuntime().halt(1);
        }
    }
}
