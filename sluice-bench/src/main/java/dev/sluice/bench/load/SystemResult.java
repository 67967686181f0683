package dev.sluice.bench.load;

/**
 * One system's figures: wrk at one connection and at many (null when wrk did not run), the constant-rate run (null
 * when skipped), and the cold start (Sluice only; null otherwise).
 */
public record SystemResult(String system, WrkResult single, WrkResult many, RateResult rate, ColdStart cold) {

    /**
     * The first seconds of a fresh process under load: time from start to ready, then the open-loop generator at a
     * fixed rate from that moment (latency from the intended send time, so the slow first requests count fully).
     */
    public record ColdStart(long readyAfterMillis, RateResult firstSeconds, int seconds) {
    }

    public SystemResult withRate(RateResult r) {
        return new SystemResult(system, single, many, r, cold);
    }

    public SystemResult withCold(ColdStart c) {
        return new SystemResult(system, single, many, rate, c);
    }
}
