package dev.sluice.client;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fails a test class that leaves threads behind: any new non-daemon thread, or any JDK HttpClient thread (its
 * selector thread is a daemon, so a client that was never closed would otherwise go unnoticed).
 */
public final class NoLeakedThreads implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoLeakedThreads.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("before", suspects());
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        @SuppressWarnings("unchecked")
        Set<Thread> before = context.getStore(NS).get("before", Set.class);
        Set<Thread> leaked = suspects();
        leaked.removeAll(before);
        for (Thread t : leaked) t.join(5_000); // closing is asynchronous for a moment; give them time to end
        leaked.removeIf(t -> !t.isAlive());
        assertThat(leaked.stream().map(Thread::getName).toList()).as("threads leaked by " + context.getDisplayName())
                .isEmpty();
    }

    private static Set<Thread> suspects() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(t -> !t.isDaemon() || t.getName().startsWith("HttpClient"))
                .filter(t -> !t.getName().equals("main"))
                .collect(Collectors.toSet());
    }
}
