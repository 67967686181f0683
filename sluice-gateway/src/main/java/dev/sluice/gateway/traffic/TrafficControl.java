package dev.sluice.gateway.traffic;

import dev.sluice.gateway.config.choice.StoreBackend;
import dev.sluice.gateway.redis.RedisConnection;
import dev.sluice.gateway.admin.AdminOwners;
import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.limits.LimitRules;
import dev.sluice.gateway.limits.LimitStore;
import dev.sluice.gateway.limits.MemoryLimitStore;
import dev.sluice.gateway.limits.PipelinedRedis;
import dev.sluice.gateway.limits.RateLimitOverrides;
import dev.sluice.gateway.limits.RateLimitRoutes;
import dev.sluice.gateway.limits.RateLimiter;
import dev.sluice.gateway.limits.RateLimits;
import dev.sluice.gateway.limits.RedisLimitStore;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.overload.AdmissionControl;
import dev.sluice.gateway.overload.MemoryRequestRates;
import dev.sluice.gateway.overload.RedisRequestRates;
import dev.sluice.gateway.overload.RequestRates;
import dev.sluice.gateway.overload.SlowDownGuard;
import dev.sluice.gateway.overload.SlowDownRule;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.quota.LedgerStore;
import dev.sluice.gateway.quota.QuotaCheck;
import dev.sluice.gateway.quota.QuotaRoutes;
import dev.sluice.gateway.quota.QuotaRules;
import dev.sluice.gateway.quota.QuotaSettings;
import dev.sluice.gateway.quota.SpendBook;
import dev.sluice.gateway.quota.UsageLedger;
import dev.sluice.gateway.quota.UsageQueries;
import dev.sluice.gateway.quota.UsageRoutes;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.StorageSettings;
import dev.sluice.gateway.usage.UsageSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Quotas, rate limits, Slow Down and admission control from the config, on the memory or Redis store the
 * config names ({@link #connect}), with their settings loaded from the database at start ({@link #load}) and re-read
 * every {@code limits.reload_ms}
 * (so another gateway's admin change applies here within that time) and spend re-read every
 * {@code quotas.refresh_ms}. Owns the usage ledger; {@link #close} drains it.
 */
public final class TrafficControl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrafficControl.class);

    private final Vertx vertx;
    private final RedisConnection redis;
    private final LimitStore limitStore;
    private final LimitRules limitRules;
    private final RateLimitOverrides overrides;
    private final QuotaRules quotaRules;
    private final QuotaSettings quotaSettings;
    private final SpendBook spend;
    private final LedgerStore ledgerStore;
    private final UsageLedger ledger;
    private final TrafficStages stages;
    private final List<AdminRoutes> adminRoutes;
    private RateLimiter rateLimiter;
    private final SluiceConfig cfg;
    private final Clock clock;
    private long[] timers = {};
    private final AtomicBoolean reloading = new AtomicBoolean();
    private final AtomicBoolean refreshing = new AtomicBoolean();

    /**
     * Construction only: builds the stages, the ledger and the admin routes on {@code stores}. {@link #load} then
     * reads the settings from the database and starts the periodic re-reads.
     */
    public TrafficControl(SluiceConfig cfg, Vertx vertx, Database db, ModelCatalog catalog, Clock clock,
                          MeterRegistry metrics, Stores stores) {
        this.vertx = vertx;
        this.cfg = cfg;
        this.clock = clock;
        this.redis = stores.redis();
        this.limitStore = stores.limits();
        String prefix = cfg.redis() == null ? "" : cfg.redis().keyPrefix();
        this.limitRules = new LimitRules(cfg.limits().defaults(), prefix);
        this.overrides = new RateLimitOverrides(db, clock);
        this.quotaRules = new QuotaRules(cfg.quotas());
        this.quotaSettings = new QuotaSettings(db, clock);
        this.spend = new SpendBook(clock);
        this.ledgerStore = new LedgerStore(db);
        this.ledger = new UsageLedger(ledgerStore, spend, catalog, clock, cfg.quotas().ledgerFlushMs(),
                cfg.quotas().ledgerBatchSize(), cfg.quotas().ledgerQueueCapacity(), metrics);
        Stage slowDown = cfg.slowDown().enabled()
                ? new SlowDownGuard(stores.rates(), SlowDownRule.of(cfg.slowDown()), clock, metrics)
                : new TrafficStages.PassThrough(StageOrder.SLOW_DOWN_GUARD);
        Stage admission = cfg.overload().enabled()
                ? new AdmissionControl(vertx, cfg.overload(), metrics)
                : new TrafficStages.PassThrough(StageOrder.ADMISSION_CONTROL);
        this.stages = new TrafficStages(new QuotaCheck(quotaRules, spend, metrics),
                new RateLimits(rateLimiter = new RateLimiter(limitRules, limitStore, clock), cfg.limits().failOpen(), metrics),
                slowDown, admission);
        AdminOwners owners = new AdminOwners(db, clock);
        this.adminRoutes = List.of(
                new RateLimitRoutes(owners, catalog, limitRules, overrides, this::reloadSettings),
                new QuotaRoutes(owners, quotaRules, quotaSettings, spend, this::reloadSettings),
                new UsageRoutes(new UsageQueries(db), clock));
    }

    /** The limit and request-rate stores the config names: in memory, or on Redis ({@link #connect}). */
    public record Stores(RedisConnection redis, LimitStore limits, RequestRates rates) implements AutoCloseable {
        /** Closes the gateway's shared Redis connection (the limit store itself is closed by {@link #close}). */
        @Override
        public void close() {
            if (redis != null) redis.close();
        }
    }

    /** Start-up I/O: connects the configured stores, failing when Redis is configured and unreachable. */
    public static Stores connect(SluiceConfig cfg, Vertx vertx, Database db, RedisConnection redis) {
        if (cfg.limits().store() == StoreBackend.REDIS) {
            try {
                PipelinedRedis pipe = redis.pipelined();
                return new Stores(redis, await(RedisLimitStore.start(pipe)),
                        await(RedisRequestRates.start(pipe, redis.keyPrefix())));
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot use Redis at " + redis.maskedUrl()
                        + " (redis.url, needed by limits.store: redis): " + e.getMessage(), e);
            }
        }
        if (db.kind() == StorageSettings.Kind.POSTGRES) {
            LOG.warn("limits.store is memory with PostgreSQL storage: each gateway enforces the limits alone; "
                    + "set limits.store: redis to share them");
        }
        return new Stores(redis, new MemoryLimitStore(), new MemoryRequestRates());
    }

    /**
     * Start-up I/O: loads the rate-limit overrides, budgets and spend from the database, then re-reads them every
     * {@code limits.reload_ms} and {@code quotas.refresh_ms}.
     */
    public void load() {
        reloadSettings();
        refreshSpend();
        long sweep = limitStore instanceof MemoryLimitStore m
                ? vertx.setPeriodic(60_000, t -> m.sweep(clock.millis())) : -1;
        this.timers = new long[] {
                vertx.setPeriodic(cfg.limits().reloadMs(), t -> inBackground(reloading, this::reloadSettings)),
                vertx.setPeriodic(cfg.quotas().refreshMs(), t -> inBackground(refreshing, this::refreshSpend)),
                sweep};
    }

    public TrafficStages stages() { return stages; }

    /** The persistent usage ledger (a {@link UsageSink}). */
    public UsageLedger ledger() { return ledger; }

    public SpendBook spend() { return spend; }

    /** The rate limiter (the console reads its headroom). */
    public RateLimiter rateLimiter() { return rateLimiter; }

    public List<AdminRoutes> adminRoutes() { return adminRoutes; }

    /**
     * Re-reads rate-limit overrides, budgets and credit totals from the database. Blocking. Serialised, so a periodic
     * reload that read before an admin change cannot install its older view after the admin's own reload.
     */
    public synchronized void reloadSettings() {
        limitRules.replaceOverrides(overrides.all());
        quotaRules.replace(quotaSettings.budgets(), quotaSettings.creditTotals());
    }

    /**
     * Applies the reloadable traffic settings of a reloaded config: the per-family limit defaults, the budget and
     * credit defaults and the Slow Down thresholds (turning Slow Down on or off needs a restart). Counters,
     * reservations and spend carry over.
     */
    public void reconfigure(SluiceConfig cfg) {
        limitRules.replaceDefaults(cfg.limits().defaults());
        quotaRules.replaceDefaults(cfg.quotas());
        if (stages.slowDownGuard() instanceof SlowDownGuard g && cfg.slowDown().enabled()) {
            g.replaceRule(SlowDownRule.of(cfg.slowDown()));
        }
    }

    /** Re-reads the spend totals (other gateways' spend included). Blocking. */
    public void refreshSpend() {
        Map<SpendBook.Key, Long> taken = spend.takeCommitted();
        try {
            spend.rebase(ledgerStore.totals(spend.currentMonth()), taken);
        } catch (RuntimeException e) {
            spend.committed(taken); // try again next time
            throw e;
        }
    }

    private void inBackground(AtomicBoolean running, Runnable work) {
        if (!running.compareAndSet(false, true)) return;
        vertx.executeBlocking(() -> {
            work.run();
            return null;
        }, false).onComplete(ar -> {
            running.set(false);
            if (ar.failed()) LOG.warn("traffic settings refresh failed: {}", ar.cause().toString());
        });
    }

    /** Stops the timers, writes every queued ledger row and closes the stores and the Redis client. */
    @Override
    public void close() {
        for (long t : timers) if (t >= 0) vertx.cancelTimer(t);
        ledger.close();
        limitStore.close();
        new Stores(redis, limitStore, null).close();
    }

    private static String masked(String url) {
        return url == null ? "" : url.replaceAll("//[^@/]*@", "//***@");
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            throw new IllegalStateException(c.getMessage() == null ? c.toString() : c.getMessage(), c);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("no answer within 10 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
