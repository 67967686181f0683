package dev.sluice.gateway.store;

import dev.sluice.testing.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;

class ConcurrencyTest {

    private static final int THREADS = 4;

    @TempDir
    Path tmp;

    private final Clock clock = FakeTime.at("2026-03-01T10:00:00Z");

    /** Runs {@code task} on {@link #THREADS} threads released together and returns their results. */
    private static <T> List<T> together(Callable<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) out.add(f.get(30, TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @BothBackends
    void transactionsThatReadThenWriteAllCommitUnderContention(Backend backend) throws Exception {
        try (TestDb t = backend.open(tmp)) {
            AccessStore store = new AccessStore(t.db(), clock);

            together(() -> {
                for (int i = 0; i < 10; i++) {
                    t.db().transaction(c -> {
                        store.organizations().isEmpty();
                        return store.organizations().create("Org");
                    });
                }
                return null;
            });

            assertThat(t.count("organizations")).isEqualTo(THREADS * 10);
        }
    }

    @BothBackends
    void gatewaysStartingTogetherSeedExactlyOneDemoOrganization(Backend backend) throws Exception {
        try (TestDb t = backend.open(tmp)) {
            List<Boolean> seeded = together(() -> DemoSeed.seedIfEmpty(t.db(), "sk-demo-local-0123456789", clock).isPresent());

            assertThat(seeded).containsOnlyOnce(true);
            assertThat(t.count("organizations")).isEqualTo(1);
            assertThat(t.count("api_keys")).isEqualTo(1);
        }
    }
}
