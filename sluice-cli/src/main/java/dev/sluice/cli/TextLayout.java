package dev.sluice.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import net.logstash.logback.marker.MapEntriesAppendingMarker;
import org.slf4j.Marker;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;

/**
 * One line per event for people: {@code 17:31:02.114 INFO  access  POST /v1/chat/completions 200  latency_ms=12
 * model=sim-mini ...}. The structured fields of a JSON line follow the message as {@code key=value} (empty ones and
 * those the message already says are left out).
 */
final class TextLayout extends LayoutBase<ILoggingEvent> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());
    /** Access-line fields the message already holds ("POST /v1/chat/completions 200"). */
    private static final Set<String> IN_MESSAGE = Set.of("method", "route", "status");

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(TIME.format(Instant.ofEpochMilli(e.getTimeStamp()))).append(' ');
        String level = e.getLevel().toString();
        sb.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
        sb.append(shortName(e.getLoggerName())).append("  ");
        sb.append(e.getFormattedMessage());
        List<Marker> markers = e.getMarkerList();
        if (markers != null) {
            for (Marker m : markers) {
                if (m instanceof MapEntriesAppendingMarker map) fields(sb, map.toStringSelf());
            }
        }
        sb.append(System.lineSeparator());
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) sb.append(ThrowableProxyUtil.asString(t)).append(System.lineSeparator());
        return sb.toString();
    }

    /** {@code sluice.access} → {@code access}; {@code dev.sluice.gateway.Gateway} → {@code Gateway}. */
    static String shortName(String logger) {
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }

    /** Appends {@code {k=v, k2=v2}} (a map's toString) as {@code  k=v k2=v2}, without nulls and repeats. */
    static void fields(StringBuilder sb, String map) {
        if (map == null || map.length() < 2) return;
        String inner = map.startsWith("{") && map.endsWith("}") ? map.substring(1, map.length() - 1) : map;
        boolean first = true;
        for (String kv : inner.split(", ")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) continue;
            String k = kv.substring(0, eq), v = kv.substring(eq + 1);
            if (v.isEmpty() || v.equals("null") || IN_MESSAGE.contains(k)) continue;
            sb.append(first ? "  " : " ").append(k).append('=').append(v);
            first = false;
        }
    }
}
