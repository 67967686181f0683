package dev.sluice.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * The run's tables in Markdown: one row per system with ratios against nginx and the bare simulator ("direct"), then
 * the streaming and cold-start tables when those ran, then notes (what was skipped and why). Pure formatting.
 */
public record Report(String command, String date, String machine, int connections, double rateFraction,
                     String rateBasis, List<SystemResult> systems, Map<String, StreamResult> streams, List<String> notes) {
    public static final String DIRECT = "direct";
    public static final String NGINX = "nginx";
    /** The floors of a JVM gateway here ({@link FloorProxy}): Vert.x's HTTP layers, and Netty's, with nothing in them. */
    public static final String FLOOR_VERTX = "floor-vertx";
    public static final String FLOOR_NETTY = "floor-netty";

    /** A report whose constant rate is a fraction of the wrk c=N throughput. */
    public Report(String command, String date, String machine, int connections, double rateFraction,
                  List<SystemResult> systems, Map<String, StreamResult> streams, List<String> notes) {
        this(command, date, machine, connections, rateFraction, LoadCommand.WRK_BASIS, systems, streams, notes);
    }

    public Report {
        systems = List.copyOf(systems);
        streams = Map.copyOf(streams);
        notes = List.copyOf(notes);
    }

    public String markdown() {
        StringBuilder s = new StringBuilder();
        s.append("Run: `").append(command).append("` on ").append(date).append(".\n");
        s.append("Machine: ").append(machine).append(".\n\n");
        s.append(mainTable());
        String st = streamTable();
        if (!st.isEmpty()) s.append('\n').append(st);
        String cold = coldTable();
        if (!cold.isEmpty()) s.append('\n').append(cold);
        List<String> targets = targets();
        if (!targets.isEmpty()) {
            s.append("\nTargets of the data-plane work (issue 13), from this run:\n\n");
            for (String t : targets) s.append("- ").append(t).append('\n');
        }
        if (!notes.isEmpty()) {
            s.append('\n');
            for (String n : notes) s.append("- ").append(n).append('\n');
        }
        return s.toString();
    }

    String mainTable() {
        Optional<SystemResult> direct = find(DIRECT);
        Optional<SystemResult> nginx = find(NGINX);
        StringBuilder s = new StringBuilder();
        String c = "c=" + connections;
        s.append("| system | c=1 p50 | c=1 p99 | c=1 p50 − direct | ").append(c).append(" req/s | × nginx | × direct | ")
                .append(c).append(" p99 | constant rate (").append(rateLabel()).append(") | CO-corrected p50 | p99 | p99.9 | errors |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (SystemResult r : systems) {
            WrkResult one = measured(r.single()), many = measured(r.many());
            RateResult rate = r.rate();
            s.append("| ").append(r.system().equals(DIRECT) ? "direct to the simulator"
                            : r.system().equals(NGINX) ? "nginx `proxy_pass` (1 worker, keepalive)"
                            : r.system().equals(FLOOR_VERTX) ? "floor: bare Vert.x proxy (h2c upstream)"
                            : r.system().equals(FLOOR_NETTY) ? "floor: bare Netty proxy (HTTP/1.1 upstream)"
                            : "**" + r.system() + "**")
                    .append(" | ").append(one == null ? "—" : micros(one.p50Micros()))
                    .append(" | ").append(one == null ? "—" : micros(one.p99Micros()))
                    .append(" | ").append(one == null || r.system().equals(DIRECT) ? "—" : direct.map(SystemResult::single)
                            .map(d -> signedMicros(one.p50Micros() - d.p50Micros())).orElse("—"))
                    .append(" | ").append(many == null ? "—" : count(many.requestsPerSecond()))
                    .append(" | ").append(ratio(many, nginx))
                    .append(" | ").append(ratio(many, direct))
                    .append(" | ").append(many == null ? "—" : micros(many.p99Micros()))
                    .append(" | ").append(rate == null ? "—" : count(rate.targetRate()) + " req/s"
                            + (rate.achievedRate() < 0.95 * rate.targetRate()
                            ? " (not held: " + count(rate.achievedRate()) + " answered/s)" : ""))
                    .append(" | ").append(rate == null ? "—" : micros(rate.p50Micros()))
                    .append(" | ").append(rate == null ? "—" : micros(rate.p99Micros()))
                    .append(" | ").append(rate == null ? "—" : micros(rate.p999Micros()))
                    .append(" | ").append(errors(r))
                    .append(" |\n");
        }
        return s.toString();
    }

    private String rateLabel() {
        if (rateFraction <= 0) return "fixed";
        return LoadCommand.GENERATOR_BASIS.equals(rateBasis)
                ? String.format(Locale.ROOT, "%.2f× own max under this generator, closed loop c=%d", rateFraction, connections)
                : String.format(Locale.ROOT, "%.2f× own c=%d max", rateFraction, connections);
    }

    String streamTable() {
        if (streams.isEmpty()) return "";
        StringBuilder s = new StringBuilder();
        s.append("| streams through | target | peak in flight | completed | failed | failures by cause | first byte p50 / p99 | "
                + "stream p99 | heap after full GC | RSS | open files (limit) |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, StreamResult> e : streams.entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            StreamResult r = e.getValue();
            s.append("| ").append(e.getKey())
                    .append(" | ").append(count(r.target()))
                    .append(" | ").append(count(r.peakOpen()))
                    .append(" | ").append(count(r.completed()))
                    .append(" | ").append(count(r.failed()))
                    .append(" | ").append(causes(r.failures()))
                    .append(" | ").append(millis(r.ttfbP50Millis())).append(" / ").append(millis(r.ttfbP99Millis()))
                    .append(" | ").append(millis(r.durationP99Millis()))
                    .append(" | ").append(bytes(r.heapAfterGc()))
                    .append(" | ").append(bytes(r.rss()))
                    .append(" | ").append(r.openFiles().isPresent() ? count(r.openFiles().getAsLong()) : "—")
                    .append(r.maxOpenFiles().isPresent() ? " (" + count(r.maxOpenFiles().getAsLong()) + ")" : "")
                    .append(" |\n");
        }
        return s.toString();
    }

    String coldTable() {
        List<SystemResult> cold = systems.stream().filter(r -> r.cold() != null).toList();
        if (cold.isEmpty()) return "";
        StringBuilder s = new StringBuilder();
        s.append("| cold start | ready after | first seconds at a constant rate | answered/s | CO-corrected p50 | p99 | "
                + "p99.9 | max | warm constant-rate p99 | failed |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (SystemResult r : cold) {
            RateResult w = r.cold().firstSeconds();
            s.append("| ").append(r.system())
                    .append(" | ").append(count(r.cold().readyAfterMillis())).append(" ms")
                    .append(" | ").append(r.cold().seconds()).append(" s at ").append(count(w.targetRate())).append(" req/s")
                    .append(" | ").append(count(w.achievedRate()))
                    .append(" | ").append(micros(w.p50Micros()))
                    .append(" | ").append(micros(w.p99Micros()))
                    .append(" | ").append(micros(w.p999Micros()))
                    .append(" | ").append(micros(w.maxMicros()))
                    .append(" | ").append(r.rate() == null ? "—" : micros(r.rate().p99Micros()))
                    .append(" | ").append(w.failed() == 0 ? "0" : count(w.failed()) + " (" + causes(w.failures()) + ")")
                    .append(" |\n");
        }
        return s.toString();
    }

    /** A wrk run in which no request completed has no percentiles worth printing. */
    private static WrkResult measured(WrkResult w) {
        return w == null || w.requests() == 0 ? null : w;
    }

    /** The targets that this run's figures can speak to, each with the figure and met / not met. */
    List<String> targets() {
        List<String> out = new ArrayList<>();
        Optional<SystemResult> sluice = find(LoadCommand.SLUICE);
        if (sluice.isEmpty()) return out;
        SystemResult sl = sluice.get();
        WrkResult many = measured(sl.many()), one = measured(sl.single());
        find(NGINX).map(SystemResult::many).map(Report::measured).filter(n -> many != null).ifPresent(n -> {
            double r = many.requestsPerSecond() / n.requestsPerSecond();
            out.add(verdict(r >= 0.8, String.format(Locale.ROOT, "c=%d throughput ≥ 0.8× nginx: %.2f×", connections, r)));
        });
        find(DIRECT).map(SystemResult::single).map(Report::measured).filter(d -> one != null).ifPresent(d -> {
            double over = one.p50Micros() - d.p50Micros();
            out.add(verdict(over <= 100, "c=1 p50 ≤ 100 µs above direct: " + signedMicros(over)));
        });
        if (one != null) out.add(verdict(one.p99Micros() <= 1_000, "c=1 p99 ≤ 1 ms: " + micros(one.p99Micros())));
        if (sl.rate() != null) {
            RateResult r = sl.rate();
            out.add(verdict(r.p99Micros() <= 2_000 && r.failed() == 0, String.format(Locale.ROOT,
                    "p99 ≤ 2 ms at a constant %s req/s (%s): %s%s", count(r.targetRate()), rateLabel(),
                    micros(r.p99Micros()), r.failed() == 0 ? "" : ", " + count(r.failed()) + " failed")));
        }
        StreamResult st = streams.get(LoadCommand.SLUICE);
        if (st != null) {
            boolean heapOk = st.heapAfterGc().isPresent() && st.heapAfterGc().getAsLong() <= (1L << 30);
            out.add(verdict(st.target() >= 10_000 && st.failed() == 0 && heapOk, String.format(Locale.ROOT,
                    "10,000 concurrent streams with 0 failed and heap after a full GC ≤ 1 GiB: %s streams, %s failed, "
                            + "heap %s, RSS %s", count(st.target()), count(st.failed()), bytes(st.heapAfterGc()),
                    bytes(st.rss()))));
        }
        find(LoadCommand.SLUICE_REDIS).map(SystemResult::many).map(Report::measured).filter(x -> many != null)
                .ifPresent(x -> {
                    double r = x.requestsPerSecond() / many.requestsPerSecond();
                    out.add(verdict(r >= 0.7, String.format(Locale.ROOT, "Redis mode ≥ 0.7× memory-mode throughput: %.2f×", r)));
                });
        if (sl.cold() != null) {
            out.add("cold start, first " + sl.cold().seconds() + " s: p99 " + micros(sl.cold().firstSeconds().p99Micros())
                    + " (no target; compare before and after warm-up before readiness)");
        }
        return out;
    }

    private static String verdict(boolean met, String text) {
        return (met ? "met — " : "**not met** — ") + text;
    }

    private Optional<SystemResult> find(String name) {
        return systems.stream().filter(r -> r.system().equals(name)).findFirst();
    }

    private static String ratio(WrkResult many, Optional<SystemResult> reference) {
        if (many == null || reference.isEmpty() || reference.get().many() == null) return "—";
        double ref = reference.get().many().requestsPerSecond();
        return ref <= 0 ? "—" : String.format(Locale.ROOT, "%.2f×", many.requestsPerSecond() / ref);
    }

    private static String errors(SystemResult r) {
        long n = 0;
        List<String> parts = new ArrayList<>();
        for (WrkResult w : new WrkResult[]{r.single(), r.many()}) {
            if (w == null) continue;
            n += w.non2xx() + w.socketErrors();
        }
        if (n > 0) parts.add(count(n) + " in wrk runs");
        if (r.rate() != null && r.rate().failed() > 0) parts.add(count(r.rate().failed()) + " at constant rate ("
                + causes(r.rate().failures()) + ")");
        return parts.isEmpty() ? "0" : String.join("; ", parts);
    }

    static String causes(Map<String, Long> failures) {
        if (failures.isEmpty()) return "—";
        return failures.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .map(e -> count(e.getValue()) + " × " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    /** A latency for the table in µs, ms or s, with three significant digits. */
    static String micros(double us) {
        if (Double.isNaN(us)) return "—";
        if (us < 1_000) return String.format(Locale.ROOT, "%.0f µs", us);
        if (us < 10_000) return String.format(Locale.ROOT, "%.2f ms", us / 1_000);
        if (us < 100_000) return String.format(Locale.ROOT, "%.1f ms", us / 1_000);
        if (us < 1_000_000) return String.format(Locale.ROOT, "%.0f ms", us / 1_000);
        if (us < 10_000_000) return String.format(Locale.ROOT, "%.2f s", us / 1_000_000);
        return String.format(Locale.ROOT, "%.1f s", us / 1_000_000);
    }

    static String signedMicros(double us) {
        return (us >= 0 ? "+" : "−") + micros(Math.abs(us));
    }

    static String millis(double ms) {
        return Double.isNaN(ms) ? "—" : micros(ms * 1_000);
    }

    static String count(double n) {
        return String.format(Locale.ROOT, "%,.0f", n);
    }

    static String bytes(OptionalLong b) {
        return b.isPresent() ? ProcessStats.mib(b.getAsLong()) : "—";
    }
}
