package dev.sluice.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The figures of one admission trace and their rendering: Sluice's admission gauges sampled at every interval
 * boundary ({@link Point}), joined with what the generator saw in each interval ({@link IntervalStats.Tally}) into
 * {@link Row}s; then sparklines, a summary per phase and the table of every interval. Pure: no I/O, no clock.
 */
public final class AdmissionTrace {
    private static final String BARS = "▁▂▃▄▅▆▇█";

    /**
     * Sluice's admission metrics at one instant: {@code sluice_admission_limit}, {@code _in_flight}, {@code _queued}
     * and {@code sluice_admission_shed_total} summed over its reasons; and the sum and count of its successful chat
     * completions' durations as it measured them ({@code gen_ai_server_request_duration_seconds} with
     * {@code error_type=""}), whose increases give its own mean per interval. NaN where the scrape failed.
     */
    public record Point(double limit, double inFlight, double queued, double shed, double okSeconds, double okCount) {
        public static final Point MISSING = new Point(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

        public Point(double limit, double inFlight, double queued, double shed) {
            this(limit, inFlight, queued, shed, Double.NaN, Double.NaN);
        }

        public static Point of(PromText m) {
            return new Point(m.value("sluice_admission_limit").orElse(Double.NaN),
                    m.value("sluice_admission_in_flight").orElse(Double.NaN),
                    m.value("sluice_admission_queued").orElse(Double.NaN),
                    m.sum("sluice_admission_shed_total").orElse(Double.NaN),
                    m.sum("gen_ai_server_request_duration_seconds_sum", "gen_ai_operation_name", "chat", "error_type", "")
                            .orElse(Double.NaN),
                    m.sum("gen_ai_server_request_duration_seconds_count", "gen_ai_operation_name", "chat", "error_type", "")
                            .orElse(Double.NaN));
        }
    }

    /**
     * Interval {@code [fromSeconds, fromSeconds + interval)}: the phase it began in, the gauges at its end, the
     * requests shed during it (the counter's increase) and the generator's answers that came back during it.
     */
    public record Row(double fromSeconds, int phase, double limit, double inFlight, double queued, double shed,
                      double sluiceOkMeanMillis, IntervalStats.Tally tally) {
    }

    private final Phases phases;
    private final double rate;
    private final long intervalNanos;
    private final List<Row> rows;
    private final List<IntervalStats.Tally> perPhase;
    private final List<int[]> phaseRanges;
    private final List<Point> points;

    /**
     * {@code points.get(k)} was taken at {@code k × interval} from the start (k = 0 .. intervals); a missing one
     * (the run ended early) counts as {@link Point#MISSING}.
     */
    public AdmissionTrace(Phases phases, double rate, long intervalNanos, List<Point> points, IntervalStats stats) {
        this.phases = phases;
        this.rate = rate;
        this.intervalNanos = intervalNanos;
        this.points = new ArrayList<>(points);
        while (this.points.size() < stats.intervals() + 1) this.points.add(Point.MISSING);
        this.rows = new ArrayList<>();
        for (int k = 0; k < stats.intervals(); k++) {
            Point begin = this.points.get(k), end = this.points.get(k + 1);
            double count = end.okCount() - begin.okCount();
            double mean = count > 0 ? (end.okSeconds() - begin.okSeconds()) / count * 1_000 : Double.NaN;
            rows.add(new Row(k * intervalNanos / 1e9, phases.indexAt(k * intervalNanos), end.limit(), end.inFlight(),
                    end.queued(), end.shed() - begin.shed(), mean, stats.interval(k)));
        }
        this.phaseRanges = new ArrayList<>();
        this.perPhase = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < phases.phases().size(); i++) {
            int to = from;
            while (to < rows.size() && rows.get(to).phase() == i) to++;
            phaseRanges.add(new int[]{from, to});
            perPhase.add(to > from ? stats.merged(from, to) : null);
            from = to;
        }
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** One line per series, each scaled from 0 to its own maximum (given in the label). */
    public String sparklines() {
        List<String> lines = new ArrayList<>();
        lines.add(line("upstream delay (ms)", r -> phases.phases().get(r.phase()).delayMs()));
        lines.add(line("limit", Row::limit));
        lines.add(line("in flight", Row::inFlight));
        lines.add(line("shed / interval", Row::shed));
        lines.add(line("answered/s", r -> r.tally().answeredPerSecond()));
        lines.add(line("2xx p99 (ms)", r -> r.tally().okP99Micros() / 1_000));
        int width = lines.stream().mapToInt(l -> l.indexOf('|')).max().orElse(0);
        StringBuilder s = new StringBuilder();
        for (String l : lines) {
            int bar = l.indexOf('|');
            s.append(l, 0, bar).append(" ".repeat(width - bar)).append(l.substring(bar + 1)).append('\n');
        }
        return s.toString();
    }

    private String line(String name, ToDoubleFunction<Row> series) {
        double[] v = rows.stream().mapToDouble(series).toArray();
        double max = 0;
        for (double x : v) if (!Double.isNaN(x)) max = Math.max(max, x);
        return name + " (max " + number(max) + ") |" + sparkline(v, max);
    }

    /** {@code values} as bars from ▁ (0) to █ ({@code max}); NaN is a blank. */
    static String sparkline(double[] values, double max) {
        StringBuilder s = new StringBuilder();
        for (double v : values) {
            if (Double.isNaN(v)) {
                s.append(' ');
                continue;
            }
            int i = max <= 0 ? 0 : (int) Math.round(Math.max(0, Math.min(1, v / max)) * (BARS.length() - 1));
            s.append(BARS.charAt(i));
        }
        return s.toString();
    }

    /** Per phase: the limit at its start, its lowest and highest, at its end; shed; answered/s; 2xx latency. */
    public String phaseTable() {
        StringBuilder s = new StringBuilder();
        s.append("| phase | upstream delay | seconds | limit at start | lowest | highest | at end | answered/s | 503 shed (share of answers) | other failures | 2xx p50 | 2xx p99 |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < phases.phases().size(); i++) {
            int[] r = phaseRanges.get(i);
            IntervalStats.Tally t = perPhase.get(i);
            if (t == null) continue;
            double lo = Double.NaN, hi = Double.NaN;
            for (int k = r[0] + 1; k <= r[1]; k++) {
                double l = points.get(k).limit();
                if (Double.isNaN(l)) continue;
                lo = Double.isNaN(lo) ? l : Math.min(lo, l);
                hi = Double.isNaN(hi) ? l : Math.max(hi, l);
            }
            s.append(String.format(Locale.ROOT, "| %d | %s | %s–%s | %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s |%n",
                    i + 1, phases.label(i), seconds(r[0] * intervalNanos / 1e9), seconds(r[1] * intervalNanos / 1e9),
                    number(points.get(r[0]).limit()), number(lo), number(hi), number(points.get(r[1]).limit()),
                    number(t.answeredPerSecond()), Report.count(t.overloaded()), percent(t.overloaded(), t.answered()),
                    t.otherFailures().isEmpty() ? "0" : Report.causes(t.otherFailures()),
                    Report.micros(t.okP50Micros()), Report.micros(t.okP99Micros())));
        }
        return s.toString();
    }

    /** Every interval. */
    public String table() {
        StringBuilder s = new StringBuilder();
        s.append("| t (s) | upstream delay | limit | in flight | queued | shed | answered/s | 503s | other failures | 2xx p50 | 2xx p99 | 2xx p99 from send | Sluice's 2xx mean |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            IntervalStats.Tally t = r.tally();
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    seconds(r.fromSeconds()), phases.label(r.phase()), number(r.limit()), number(r.inFlight()),
                    number(r.queued()), number(r.shed()), number(t.answeredPerSecond()), Report.count(t.overloaded()),
                    Report.count(t.otherFailed()), Report.micros(t.okP50Micros()), Report.micros(t.okP99Micros()),
                    Report.micros(t.okServiceP99Micros()), Report.millis(r.sluiceOkMeanMillis())));
        }
        return s.toString();
    }

    /** What each column means, for under the tables. */
    public String legend() {
        return String.format(Locale.ROOT, "Rows are %s intervals from the end of the warm-up. *limit*, *in flight* and"
                + " *queued* are Sluice's `sluice_admission_limit`, `sluice_admission_in_flight` and"
                + " `sluice_admission_queued` at the end of the interval; *shed* is the increase of"
                + " `sluice_admission_shed_total` (all reasons) during it. *answered/s*, *503s*, *other failures* and the"
                + " 2xx latencies (from the intended send time, so a queue in front of the limit counts; *from send*:"
                + " from the moment the generator actually sent, which leaves out its own lateness on a busy machine)"
                + " are the generator's answers that came back during the interval, at %s req/s sent. *Sluice's 2xx"
                + " mean* is the mean duration of the chat completions Sluice answered with success in the interval, as"
                + " Sluice measured them (`gen_ai_server_request_duration_seconds`, from the request's arrival: the"
                + " upstream delay, the wait for an admission slot and Sluice's own work).",
                Report.millis(intervalNanos / 1e6), number(rate));
    }

    static String number(double v) {
        if (Double.isNaN(v)) return "—";
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    static String seconds(double s) {
        double r = Math.round(s * 1000) / 1000.0;
        return r == Math.rint(r) ? Long.toString((long) r) : String.format(Locale.ROOT, "%s", r);
    }

    static String percent(long part, long whole) {
        if (whole == 0) return "—";
        double p = 100.0 * part / whole;
        return p > 0 && p < 0.1 ? "<0.1 %" : String.format(Locale.ROOT, "%.1f %%", p);
    }
}
