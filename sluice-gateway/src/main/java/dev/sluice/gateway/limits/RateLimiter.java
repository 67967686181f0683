package dev.sluice.gateway.limits;

import dev.sluice.gateway.pipeline.Futures;
import io.vertx.core.Future;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one request into the checks of every limit that applies to it (organization and project, for its model
 * family) and asks the store for one all-or-nothing decision. Token limits are charged up front with the prompt plus
 * the maximum output; {@link #correct} later moves them to what the request really used.
 */
public final class RateLimiter {
    /** {@link LimitKind#values()} once (it copies the array at every call). */
    private static final LimitKind[] KINDS = LimitKind.values();
    private final LimitRules rules;
    private final LimitStore store;
    private final Clock clock;

    /**
     * What a request asks of the limits: one request, {@code tokens} (prompt + maximum output) and, for image
     * generation, {@code images} (0 for other endpoints: IPM does not apply to them).
     */
    public record Demand(String orgId, String projectId, String family, long tokens, long images) {}

    public RateLimiter(LimitRules rules, LimitStore store, Clock clock) {
        this.rules = rules;
        this.store = store;
        this.clock = clock;
    }

    public Future<Decision> decide(Demand d) {
        List<Check> checks = checks(d);
        if (checks.isEmpty()) return Future.succeededFuture(Decision.UNLIMITED);
        long reserved = reservedTokens(checks);
        return Futures.map(store.acquire(checks, clock.millis()), levels -> Decision.of(checks, levels, reserved));
    }

    /**
     * Moves the token buckets a request was admitted with from its reservation to {@code actualTokens}: a refund
     * when it used less (the usual case: the output cap is rarely reached), a charge when more.
     */
    public Future<Void> correct(Decision decision, long actualTokens) {
        long delta = actualTokens - decision.reservedTokens();
        if (!decision.admitted() || delta == 0) return Future.succeededFuture();
        List<Check> adjust = new ArrayList<>(4);
        for (Check c : decision.checks()) {
            if (c.kind().unit() == LimitKind.Unit.TOKENS) adjust.add(c.withCost(delta));
        }
        if (adjust.isEmpty()) return Future.succeededFuture();
        return store.adjust(adjust, clock.millis());
    }

    /** What one bucket has left now: the limit and the units that would still fit (the console's headroom). */
    public record Headroom(LimitScope scope, LimitKind kind, long limit, long remaining) {}

    /**
     * The headroom of every configured limit of a family for an organization and project, read by acquiring nothing
     * (cost 0 always fits and takes nothing; draining the buckets to now is what every decision does anyway).
     */
    public Future<List<Headroom>> headroom(String orgId, String projectId, String family) {
        List<Check> checks = new ArrayList<>();
        for (Check c : checks(new Demand(orgId, projectId, family, 0, 0))) checks.add(c.withCost(0));
        if (checks.isEmpty()) return Future.succeededFuture(List.of());
        return store.acquire(checks, clock.millis()).map(levels -> {
            List<Headroom> out = new ArrayList<>(checks.size());
            for (int i = 0; i < checks.size(); i++) {
                Check c = checks.get(i);
                out.add(new Headroom(c.scope(), c.kind(), c.capacity(),
                        BucketMath.remaining(levels.before()[i], c.capacity(), c.windowMs())));
            }
            return out;
        });
    }

    /** The checks of a demand: organization first, then project; per scope RPM, RPD, TPM, TPD, IPM as configured. */
    public List<Check> checks(Demand d) {
        List<Check> out = new ArrayList<>(10);
        add(out, rules.effective(LimitScope.ORGANIZATION, d.orgId(), d.family()), d);
        add(out, rules.effective(LimitScope.PROJECT, d.projectId(), d.family()), d);
        return out;
    }

    private static void add(List<Check> out, LimitRules.Resolved r, Demand d) {
        LimitSet v = r.values();
        for (LimitKind k : KINDS) {
            Long limit = v.get(k);
            if (limit == null) continue;
            long cost = switch (k.unit()) {
                case REQUESTS -> 1;
                case TOKENS -> d.tokens();
                case IMAGES -> d.images();
            };
            if (k == LimitKind.IPM && d.images() <= 0) continue;
            out.add(new Check(r.key(k), r.group(), k, r.owner().scope(), limit, cost));
        }
    }

    private static long reservedTokens(List<Check> checks) {
        for (Check c : checks) if (c.kind().unit() == LimitKind.Unit.TOKENS) return c.cost();
        return 0;
    }
}
