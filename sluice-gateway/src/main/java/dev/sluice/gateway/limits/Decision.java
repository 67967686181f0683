package dev.sluice.gateway.limits;

import java.util.List;

/**
 * The outcome of one rate-limit decision: admitted or the refusal to report, the headers to send (the binding
 * per-minute scope: least remaining), and what to correct when the request ends.
 *
 * @param checks         every bucket the request was checked against
 * @param reservedTokens tokens taken up front from the token buckets (prompt + maximum output)
 */
public record Decision(boolean admitted, List<Check> checks, Refusal refusal, Header requests, Header tokens,
                       long reservedTokens) {

    /** No limit applies. */
    public static final Decision UNLIMITED = new Decision(true, List.of(), null, null, null, 0);

    /**
     * Why a request was refused: the limit named in the message, the units in its window, and how long until the
     * request fits every limit. {@code tooLarge}: the request alone exceeds the limit, so it can never pass.
     */
    public record Refusal(Check check, long used, long waitMs, boolean tooLarge) {}

    /** One {@code x-ratelimit-*-requests} or {@code -tokens} triple. */
    public record Header(long limit, long remaining, long resetMs) {}

    static Decision of(List<Check> checks, LimitStore.Levels levels, long reservedTokens) {
        long[] before = levels.before();
        boolean admitted = levels.admitted();
        Refusal refusal = admitted ? null : refusal(checks, before);
        Header requests = null, tokens = null;
        for (int i = 0; i < checks.size(); i++) {
            Check c = checks.get(i);
            if (c.kind() != LimitKind.RPM && c.kind() != LimitKind.TPM) continue;
            long level = admitted ? before[i] + c.cost() * c.windowMs() : before[i];
            Header h = new Header(c.capacity(), BucketMath.remaining(level, c.capacity(), c.windowMs()),
                    BucketMath.resetMs(level, c.capacity()));
            if (c.kind() == LimitKind.RPM) requests = tighter(requests, h);
            else tokens = tighter(tokens, h);
        }
        return new Decision(admitted, List.copyOf(checks), refusal, requests, tokens, reservedTokens);
    }

    private static Header tighter(Header a, Header b) {
        return a == null || b.remaining() < a.remaining() ? b : a;
    }

    /** A request too large for a limit first; otherwise the failing limit with the longest wait (org first on ties). */
    private static Refusal refusal(List<Check> checks, long[] before) {
        Refusal worst = null;
        for (int i = 0; i < checks.size(); i++) {
            Check c = checks.get(i);
            long used = BucketMath.used(before[i], c.windowMs());
            if (c.cost() > c.capacity()) return new Refusal(c, used, 0, true);
            if (BucketMath.fits(before[i], c.cost(), c.capacity(), c.windowMs())) continue;
            long wait = BucketMath.waitMs(before[i], c.cost(), c.capacity(), c.windowMs());
            if (worst == null || wait > worst.waitMs()) worst = new Refusal(c, used, wait, false);
        }
        // Every check fitting yet a refusal can only come from a concurrent change; ask to retry at once.
        return worst != null ? worst : new Refusal(checks.getFirst(), 0, 0, false);
    }
}
