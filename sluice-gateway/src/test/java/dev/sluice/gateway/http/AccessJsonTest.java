package dev.sluice.gateway.http;

import ch.qos.logback.classic.LoggerContext;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The access writer's own JSON is byte for byte what logback.xml's {@code LogstashEncoder} writes for the same line
 * (the encoder is the oracle): thousands of random lines of every kind, with quotes, backslashes, control
 * characters, UTF-8 of 2, 3 and 4 bytes, broken surrogates, strings past Jackson's segment length, nulls and extreme
 * numbers, at random instants, in UTC and in a zone with summer time.
 */
class AccessJsonTest {
    private final LoggerContext context = LogbackXml.context();

    private LogstashEncoder encoder(String zone) {
        return LogbackXml.encoder(context, zone);
    }

    /** The line as {@code LOG.info(new AccessFields(fields), "{} {} {}", method, route, status)} gives it. */
    private byte[] oracle(LogstashEncoder encoder, AccessRecord r, Instant at, String thread) {
        return encoder.encode(LogbackAccessOutput.event(context, r, at, thread));
    }

    private static final char[] ASCII_SPECIAL = {'"', '\\', '/', '\b', '\t', '\n', '\f', '\r', 0, 1, 0x1f, 0x7f, '<',
            '{', '}', ' '};

    private static String randomString(Random r) {
        int len = switch (r.nextInt(20)) {
            case 0 -> 0;
            case 1 -> 990 + r.nextInt(30); // around Jackson's segment
            case 2 -> 1990 + r.nextInt(30) + r.nextInt(2) * 1000;
            default -> 1 + r.nextInt(40);
        };
        StringBuilder sb = new StringBuilder(len + 2);
        while (sb.length() < len) {
            switch (r.nextInt(12)) {
                case 0 -> sb.append(ASCII_SPECIAL[r.nextInt(ASCII_SPECIAL.length)]);
                case 1 -> sb.append((char) r.nextInt(0x20));
                case 2 -> sb.append((char) (0x80 + r.nextInt(0x780))); // two bytes
                case 3 -> sb.append((char) (0x800 + r.nextInt(0xD800 - 0x800))); // three bytes
                case 4 -> sb.append((char) (0xE000 + r.nextInt(0x2000))); // three bytes, up to U+FFFF
                case 5 -> sb.appendCodePoint(0x10000 + r.nextInt(0x100000)); // a pair
                case 6 -> sb.append((char) (0xD800 + r.nextInt(0x400))); // a high surrogate alone
                case 7 -> sb.append((char) (0xDC00 + r.nextInt(0x400))); // a low surrogate alone
                default -> sb.append((char) (0x20 + r.nextInt(0x5f)));
            }
        }
        return sb.toString();
    }

    private static String maybe(Random r) {
        return r.nextInt(5) == 0 ? null : randomString(r);
    }

    private static long randomLong(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> Long.MIN_VALUE + r.nextInt(2);
            case 1 -> Long.MAX_VALUE - r.nextInt(2);
            case 2 -> r.nextLong();
            case 3 -> 0;
            default -> r.nextInt(100_000);
        };
    }

    private static int randomInt(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> Integer.MIN_VALUE;
            case 1 -> Integer.MAX_VALUE;
            case 2 -> r.nextInt();
            default -> r.nextInt(1000);
        };
    }

    static AccessRecord randomRecord(Random r) {
        byte kind = (byte) r.nextInt(3);
        if (kind == AccessRecord.CONNECTION) {
            return AccessRecord.connection(maybe(r), randomInt(r), maybe(r), maybe(r));
        }
        String method = r.nextInt(4) == 0 ? maybe(r) : "POST";
        String route = r.nextInt(3) == 0 ? maybe(r) : "/v1/chat/completions";
        if (kind == AccessRecord.PLAIN) {
            return new AccessRecord(kind, maybe(r), method, route, randomInt(r), maybe(r), randomLong(r), maybe(r),
                    null, null, null, null, false, 0, 0, 0, null, -1, -1, null, maybe(r));
        }
        return new AccessRecord(kind, maybe(r), method, route, randomInt(r), maybe(r), randomLong(r), maybe(r),
                maybe(r), maybe(r), maybe(r), maybe(r), r.nextBoolean(), randomInt(r), randomInt(r), randomInt(r),
                maybe(r), r.nextBoolean() ? -1 : Math.abs(randomLong(r) / 2), r.nextBoolean() ? -1 : r.nextInt(9999),
                maybe(r), maybe(r));
    }

    private static Instant randomInstant(Random r) {
        long second = 1_700_000_000L + r.nextInt(200_000_000);
        int nanos = switch (r.nextInt(5)) {
            case 0 -> 0;
            case 1 -> r.nextInt(1000) * 1_000_000;
            case 2 -> r.nextInt(1_000_000) * 1000;
            default -> r.nextInt(1_000_000_000);
        };
        return Instant.ofEpochSecond(second, nanos);
    }

    /**
     * A record whose values come from a small pool (the same instances, equal copies, tricky strings and null), so
     * consecutive lines repeat some values and change others, as a gateway's lines do.
     */
    static AccessRecord pooledRecord(Random r, String[] pool) {
        java.util.function.Supplier<String> s = () -> {
            String v = pool[r.nextInt(pool.length)];
            return v != null && r.nextBoolean() ? new String(v.toCharArray()) : v; // an equal copy, or the same
        };
        byte kind = (byte) r.nextInt(3);
        if (kind == AccessRecord.CONNECTION) return AccessRecord.connection(s.get(), 400 + r.nextInt(2), s.get(), s.get());
        int status = r.nextBoolean() ? 200 : 429;
        if (kind == AccessRecord.PLAIN) {
            return new AccessRecord(kind, s.get(), s.get(), s.get(), status, s.get(), r.nextInt(5), s.get(), null,
                    null, null, null, false, 0, 0, 0, null, -1, -1, null, s.get());
        }
        return new AccessRecord(kind, s.get(), s.get(), s.get(), status, s.get(), r.nextInt(5), s.get(), s.get(),
                s.get(), s.get(), s.get(), r.nextBoolean(), r.nextInt(3), 1, r.nextInt(3), s.get(),
                r.nextBoolean() ? -1 : 2, -1, s.get(), s.get());
    }

    private void compare(String zone, ZoneId zoneId, long seed, int lines) {
        compare(zone, zoneId, seed, lines, AccessJsonTest::randomRecord);
    }

    private void compare(String zone, ZoneId zoneId, long seed, int lines,
                         java.util.function.Function<Random, AccessRecord> records) {
        LogstashEncoder encoder = encoder(zone);
        AccessJson json = new AccessJson(zoneId, System.lineSeparator());
        Random r = new Random(seed);
        String[] threads = {"sluice-access-log", "main", "quote\" \u0001 é"};
        Instant at = randomInstant(r);
        for (int i = 0; i < lines; i++) {
            AccessRecord record = records.apply(r);
            if (r.nextInt(3) == 0) at = randomInstant(r); // else the same second as before (the cached prefix)
            else at = at.plusNanos(r.nextInt(2_000_000));
            String thread = threads[r.nextInt(threads.length)];
            byte[] expected = oracle(encoder, record, at, thread);
            int before = json.size();
            json.append(record, at, thread);
            byte[] actual = Arrays.copyOfRange(json.bytes(), before, json.size());
            assertThat(new String(actual, StandardCharsets.UTF_8)).as("line %d: %s", i, record)
                    .isEqualTo(new String(expected, StandardCharsets.UTF_8));
            assertThat(actual).as("line %d", i).isEqualTo(expected);
            if (json.size() > 1 << 20) json.reset();
        }
    }

    @Test
    void randomLinesAreTheEncodersBytesInUtc() {
        compare(null, ZoneId.systemDefault(), 13, 5_000);
    }

    @Test
    void randomLinesAreTheEncodersBytesInAZoneWithSummerTime() {
        compare("Europe/Berlin", ZoneId.of("Europe/Berlin"), 14, 2_000);
        compare("America/St_Johns", ZoneId.of("America/St_Johns"), 15, 1_000); // a half-hour offset
    }

    @Test
    void linesThatRepeatSomeValuesAndChangeOthersAreTheEncodersBytes() {
        Random pick = new Random(16);
        String[] pool = {"POST", "GET", "/v1/chat/completions", "org_8f2b1c", "proj_6c0d9e", null, "",
                "q\"b\\ \u0001", "é 漢字 😀", "end\uD800", "lone \uDC00", "x".repeat(999) + "😀" + "y".repeat(20),
                randomString(pick), randomString(pick)};
        compare(null, ZoneId.systemDefault(), 17, 5_000, r -> pooledRecord(r, pool));
    }

    @Test
    void theProbeLinesAreTheEncodersBytes() {
        assertThat(LogbackAccessOutput.probe(context, encoder(null))).isTrue();
    }

    @Test
    void theProbeFailsForAnEncoderWithOtherSettings() {
        LogstashEncoder custom = new LogstashEncoder();
        custom.setContext(context);
        custom.setCustomFields("{\"app\":\"sluice\"}");
        custom.start();
        assertThat(LogbackAccessOutput.probe(context, custom)).isFalse(); // @version, level_value and app
        assertThat(LogbackAccessOutput.probe(context, encoder("Europe/Berlin"))).isFalse(); // not the JVM's zone
    }
}
