package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.bench.load.Json;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.limits.Decision;
import dev.sluice.gateway.limits.LimitRules;
import dev.sluice.gateway.limits.MemoryLimitStore;
import dev.sluice.gateway.limits.RateLimiter;
import dev.sluice.gateway.models.TokenCounter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The per-request work Sluice adds before a request goes upstream, measured piece by piece: counting a typical chat
 * prompt with TokenCounter (with each of the two tokenizers the catalogue uses; o200k_base also the old way, with
 * jtokkit's own regular-expression split, for comparison), the in-memory rate-limit decision over
 * five limits (organization RPM and TPM, project RPM, TPM and RPD), and both together. Target: count + decision
 * within 20 µs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class RequestPathBenchmark {
    /** A system prompt, a question with some context, an earlier answer and a follow-up: 275 tokens (1,277 characters). */
    static final String PROMPT = """
            {"model":"sim-mini","max_tokens":512,"messages":[
             {"role":"system","content":"You are a careful assistant for an internal platform team. Answer in plain English, cite the relevant configuration keys by name, and say when you are unsure. Keep answers short unless the user asks for detail, and never include secrets or credentials in an answer."},
             {"role":"user","content":"Our gateway sits in front of two providers. Since Monday, about one request in fifty to the chat endpoint comes back as 429 even though our dashboard shows we are well under the requests-per-minute limit of the project. The responses carry retry-after headers of around nine seconds and the error type is tokens, not requests. We send max_tokens of 4096 on every call but most answers are a few hundred tokens long. What is going on, and which setting should we change first?"},
             {"role":"assistant","content":"The error type tokens means a token limit refused the request, not the request count. A gateway that reserves the prompt plus max_tokens up front counts 4096 output tokens per call until the answer is finished, so bursts hit the tokens-per-minute limit long before the real usage would."},
             {"role":"user","content":"So if we lower max_tokens to something like 800 for this endpoint, the reservations shrink and the refusals should mostly disappear? Is there anything in the response headers that would have told us this earlier, and how should our client pace itself?"}
            ]}""";

    /** The prompt and the tokenizer it is counted with (only the counting benchmarks take this state). */
    @State(Scope.Thread)
    public static class Prompt {
        @Param({"cl100k_base", "o200k_base"})
        public String tokenizer;
        TokenCounter tokens;
        JsonNode messages;

        @Setup
        public void setup() throws Exception {
            tokens = new TokenCounter();
            messages = Json.MAPPER.readTree(PROMPT).get("messages");
        }

        int count() {
            return tokens.countMessages(tokenizer, messages);
        }
    }

    /**
     * The same prompt counted the old way, with jtokkit's own o200k_base encoding (its regular-expression split), to
     * compare with the hand-split path TokenCounter now takes for o200k_base.
     */
    @State(Scope.Thread)
    public static class JtokkitO200k {
        Encoding encoding;
        JsonNode messages;

        @Setup
        public void setup() throws Exception {
            encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
            messages = Json.MAPPER.readTree(PROMPT).get("messages");
            int expected = new TokenCounter().countMessages("o200k_base", messages);
            if (count() != expected) throw new IllegalStateException("jtokkit counts " + count() + ", TokenCounter " + expected);
        }

        /** TokenCounter.countMessages's accounting, with jtokkit's o200k_base encoding. */
        int count() {
            int total = 3;
            for (JsonNode m : messages) {
                total += 3 + encoding.countTokensOrdinary(m.path("role").asText(""));
                total += encoding.countTokensOrdinary(m.path("content").asText(""));
            }
            return total;
        }
    }

    private MemoryLimitStore store;
    private RateLimiter limiter;
    private RateLimiter.Demand demand;

    /** A clock one millisecond further on at every read, so the huge limits below never run dry. */
    static final class TickingClock extends Clock {
        private long now = Instant.parse("2026-03-10T12:00:00Z").toEpochMilli();

        @Override
        public long millis() {
            return now++;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Setup
    public void setup() throws Exception {
        SluiceConfig.FamilyLimits limits = new SluiceConfig.FamilyLimits(
                new SluiceConfig.LimitValues(1_000_000_000L, null, 10_000_000_000L, null, null),
                new SluiceConfig.LimitValues(1_000_000_000L, 10_000_000_000L, 10_000_000_000L, null, null));
        store = new MemoryLimitStore();
        limiter = new RateLimiter(new LimitRules(Map.of("sim-mini", limits), ""), store, new TickingClock());
        demand = new RateLimiter.Demand("org_bench", "proj_bench", "sim-mini", 275 + 512, 0);
        Decision d = limiter.decide(demand).result();
        if (d == null || !d.admitted() || d.checks().size() != 5) {
            throw new IllegalStateException("the benchmark setup does not decide five limits: " + d);
        }
    }

    @Benchmark
    public int countPrompt(Prompt p) {
        return p.count();
    }

    @Benchmark
    public int countPromptJtokkitO200k(JtokkitO200k p) {
        return p.count();
    }

    @Benchmark
    public Decision countAndDecideJtokkitO200k(JtokkitO200k p) {
        int prompt = p.count();
        return limiter.decide(new RateLimiter.Demand("org_bench", "proj_bench", "sim-mini", prompt + 512L, 0)).result();
    }

    @Benchmark
    public Decision decideFiveLimits() {
        return limiter.decide(demand).result();
    }

    @Benchmark
    public Decision countAndDecide(Prompt p) {
        int prompt = p.count();
        return limiter.decide(new RateLimiter.Demand("org_bench", "proj_bench", "sim-mini", prompt + 512L, 0)).result();
    }
}
