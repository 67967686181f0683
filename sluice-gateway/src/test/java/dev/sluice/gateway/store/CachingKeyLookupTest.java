package dev.sluice.gateway.store;

import dev.sluice.testing.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;

class CachingKeyLookupTest {

    @TempDir
    Path tmp;

    private final FakeTime clock = FakeTime.at("2026-03-01T10:00:00Z");
    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private CachingKeyLookup lookup(ApiKeys keys) {
        // Reloads run on the calling thread so the test sees them deterministically.
        return new CachingKeyLookup(keys, CachingKeyLookup.DEFAULT_MAX_STALENESS, 1_000, ticker, Runnable::run);
    }

    @BothBackends
    void repeatedLookupsOfAKeyQueryTheDatabaseOnce(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            DemoCredentials demo = DemoSeed.seedIfEmpty(t.db(), null, clock).orElseThrow();
            CachingKeyLookup cache = lookup(new ApiKeys(t.db(), clock));
            long before = t.db().queryCount();

            for (int i = 0; i < 100; i++) {
                assertThat(cache.find(demo.secret())).isPresent();
                advance(Duration.ofMillis(4)); // 100 requests within 0.4 s
            }

            assertThat(t.db().queryCount() - before).isEqualTo(1);
        }
    }

    @BothBackends
    void unknownSecretsAreCachedToo(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            CachingKeyLookup cache = lookup(new ApiKeys(t.db(), clock));
            long before = t.db().queryCount();

            for (int i = 0; i < 10; i++) assertThat(cache.find("sk-proj-not-a-real-key-000000")).isEmpty();

            assertThat(t.db().queryCount() - before).isEqualTo(1);
        }
    }

    @BothBackends
    void aRevocationMadeElsewhereIsSeenWithinOneSecond(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            DemoCredentials demo = DemoSeed.seedIfEmpty(t.db(), null, clock).orElseThrow();
            ApiKeys keys = new ApiKeys(t.db(), clock);
            CachingKeyLookup cache = lookup(keys);
            assertThat(cache.find(demo.secret()).orElseThrow().key().isRevoked()).isFalse();

            keys.revoke(demo.keyId(), clock.instant()); // e.g. by another gateway on the same database
            advance(Duration.ofMillis(300));
            assertThat(cache.find(demo.secret()).orElseThrow().key().isRevoked()).isFalse(); // still cached

            advance(Duration.ofMillis(700));
            assertThat(cache.find(demo.secret()).orElseThrow().key().isRevoked()).isTrue();
        }
    }

    @BothBackends
    void aKeyIdleForLongerThanTheBoundIsReadAfresh(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            DemoCredentials demo = DemoSeed.seedIfEmpty(t.db(), null, clock).orElseThrow();
            ApiKeys keys = new ApiKeys(t.db(), clock);
            CachingKeyLookup cache = lookup(keys);
            cache.find(demo.secret());

            keys.revoke(demo.keyId(), clock.instant());
            advance(Duration.ofMinutes(10));

            assertThat(cache.find(demo.secret()).orElseThrow().key().isRevoked()).isTrue();
        }
    }

    @BothBackends
    void invalidatingARevokedKeyMakesTheRevocationVisibleAtOnce(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            DemoCredentials demo = DemoSeed.seedIfEmpty(t.db(), null, clock).orElseThrow();
            ApiKeys keys = new ApiKeys(t.db(), clock);
            CachingKeyLookup cache = lookup(keys);
            cache.find(demo.secret());

            keys.revoke(demo.keyId(), clock.instant());
            cache.invalidateKey(demo.keyId());

            assertThat(cache.find(demo.secret()).orElseThrow().key().isRevoked()).isTrue();
        }
    }
}
