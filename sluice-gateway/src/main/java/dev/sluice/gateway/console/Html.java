package dev.sluice.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** HTML building for the console pages: escaping, the page frame with its navigation, and tables. */
final class Html {
    static final String UPLOT = "/console/assets/uplot/uPlot.iife.min.js";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    /** The navigation: path and label. */
    static final List<String[]> NAV = List.of(
            new String[] {"/console/", "Overview"},
            new String[] {"/console/access", "Access"},
            new String[] {"/console/limits", "Limits and money"},
            new String[] {"/console/usage", "Usage and costs"},
            new String[] {"/console/health", "Traffic health"},
            new String[] {"/console/batches", "Batches"},
            new String[] {"/console/audit", "Audit log"});

    private Html() {}

    static String esc(Object o) {
        if (o == null) return "";
        String s = o.toString();
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String time(JsonNode epochSeconds) {
        if (epochSeconds == null || epochSeconds.isNull() || !epochSeconds.isNumber()) return "";
        return TIME.format(Instant.ofEpochSecond(epochSeconds.asLong()));
    }

    static String time(Instant at) {
        return at == null ? "" : TIME.format(at);
    }

    /**
     * A whole page. {@code csrf} and {@code org} go into meta tags the progressive script reads; the session's CSRF
     * token is not a secret from the signed-in browser, the admin token never appears.
     */
    static String page(String title, String activePath, String csrf, String org, String body, boolean charts) {
        StringBuilder b = new StringBuilder(body.length() + 2048);
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(esc(title)).append(" · Sluice console</title>")
                .append("<link rel=\"stylesheet\" href=\"/console/assets/console.css\">");
        if (charts) b.append("<link rel=\"stylesheet\" href=\"/console/assets/uplot/uPlot.min.css\">");
        if (csrf != null) b.append("<meta name=\"csrf-token\" content=\"").append(esc(csrf)).append("\">");
        if (org != null) b.append("<meta name=\"organization\" content=\"").append(esc(org)).append("\">");
        if (charts) b.append("<script src=\"").append(UPLOT).append("\" defer></script>");
        b.append("<script src=\"/console/assets/console.js\" defer></script></head><body>")
                .append("<a class=\"skip\" href=\"#main\">Skip to content</a><header><span class=\"brand\">Sluice</span>");
        if (csrf != null) {
            b.append("<nav aria-label=\"Console\"><ul>");
            for (String[] n : NAV) {
                boolean active = n[0].equals(activePath);
                b.append("<li><a href=\"").append(n[0]).append(org == null ? "" : "?org=" + esc(org)).append('"')
                        .append(active ? " aria-current=\"page\"" : "").append('>').append(esc(n[1])).append("</a></li>");
            }
            b.append("</ul></nav><form method=\"post\" action=\"/console/sign-out\" class=\"signout\">")
                    .append("<input type=\"hidden\" name=\"csrf\" value=\"").append(esc(csrf)).append("\">")
                    .append("<button type=\"submit\" id=\"sign-out\">Sign out</button></form>");
        }
        b.append("</header><main id=\"main\" tabindex=\"-1\"><h1>").append(esc(title)).append("</h1>")
                .append(body).append("</main></body></html>");
        return b.toString();
    }

    /** A table with a caption; {@code rows} cells are already HTML. */
    static String table(String caption, List<String> headers, List<List<String>> rows, String id) {
        StringBuilder b = new StringBuilder("<div class=\"table-wrap\"><table");
        if (id != null) b.append(" id=\"").append(esc(id)).append('"');
        b.append("><caption>").append(esc(caption)).append("</caption><thead><tr>");
        for (String h : headers) b.append("<th scope=\"col\">").append(esc(h)).append("</th>");
        b.append("</tr></thead><tbody>");
        if (rows.isEmpty()) {
            b.append("<tr><td colspan=\"").append(headers.size()).append("\" class=\"empty\">None</td></tr>");
        }
        for (List<String> r : rows) {
            b.append("<tr>");
            for (String c : r) b.append("<td>").append(c).append("</td>");
            b.append("</tr>");
        }
        return b.append("</tbody></table></div>").toString();
    }

    /** An error box (role=alert) with the admin API's message. */
    static String alert(String message) {
        return "<p class=\"alert\" role=\"alert\">" + esc(message) + "</p>";
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        if (v == null || v.isNull()) return "";
        if (v.isNumber()) return esc(v.decimalValue().stripTrailingZeros().toPlainString());
        return esc(v.isTextual() ? v.asText() : v.toString());
    }
}
