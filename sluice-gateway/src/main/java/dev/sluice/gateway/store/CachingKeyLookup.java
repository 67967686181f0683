package dev.sluice.gateway.store;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Key authentication's view of {@link ApiKeys}: answers repeat lookups from memory, keyed by the secret's hash, so the
 * request path does not query the database. An entry is refreshed in the background once half of
 * {@code maxStaleness} has passed and dropped at {@code maxStaleness}, so a revocation made by any gateway is seen
 * within that bound (1 s by default); a revocation made through this instance is seen at once via
 * {@link #invalidateKey}. Unknown secrets are cached too, so a flood of bad keys costs one query per key.
 *
 * <p>The cache is keyed by hash, so it holds no secret; the only secrets kept in memory are the last few hundred
 * presented, in {@link KeyHashes}' bounded table (so a returning key is not hashed again), never logged or stored.
 */
public final class CachingKeyLookup {

    public static final Duration DEFAULT_MAX_STALENESS = Duration.ofSeconds(1);
    public static final long DEFAULT_MAXIMUM_SIZE = 100_000;

    private final LoadingCache<String, Optional<KeyPrincipal>> cache;
    /** The hashes of recently presented secrets: a returning key is looked up without hashing it again. */
    private final KeyHashes hashes = new KeyHashes();

    /** Default bound (1 s), system ticker; {@code refreshExecutor} runs background reloads (a worker pool). */
    public CachingKeyLookup(ApiKeys keys, Executor refreshExecutor) {
        this(keys, DEFAULT_MAX_STALENESS, DEFAULT_MAXIMUM_SIZE, Ticker.systemTicker(), refreshExecutor);
    }

    public CachingKeyLookup(ApiKeys keys, Duration maxStaleness, long maximumSize, Ticker ticker, Executor refreshExecutor) {
        this.cache = Caffeine.newBuilder()
                .ticker(ticker)
                .executor(refreshExecutor)
                .maximumSize(maximumSize)
                .expireAfterWrite(maxStaleness)
                .refreshAfterWrite(maxStaleness.dividedBy(2))
                .build(keys::findByHash);
    }

    /** The principal for {@code secret}, or empty for an unknown one. */
    public Optional<KeyPrincipal> find(String secret) {
        if (secret == null || secret.isEmpty()) return Optional.empty();
        return cache.get(hashes.sha256Hex(secret));
    }

    /**
     * The cached answer for {@code secret} without ever touching the database (null on a miss), so the event loop
     * can use it directly and send only misses to a worker. A due refresh still starts in the background.
     */
    public Optional<KeyPrincipal> peek(String secret) {
        if (secret == null || secret.isEmpty()) return Optional.empty();
        return cache.getIfPresent(hashes.sha256Hex(secret));
    }

    /** Forgets a key (after revoking it here), so the next lookup reads the database. */
    public void invalidateKey(String keyId) {
        cache.asMap().values().removeIf(p -> p.isPresent() && p.get().key().id().equals(keyId));
    }

    /** Forgets everything (after bulk changes such as removing a member or archiving a project). */
    public void invalidateAll() {
        cache.invalidateAll();
    }
}
