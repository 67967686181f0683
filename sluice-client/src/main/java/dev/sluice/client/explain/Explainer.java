package dev.sluice.client.explain;

import dev.sluice.client.ErrorClassifier;
import dev.sluice.client.HttpOutcome;
import dev.sluice.client.RetryDecision;
import dev.sluice.client.RetryPolicy;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorBodies;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import dev.sluice.protocol.NextAction;
import dev.sluice.protocol.RequestIds;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Explains an error from what a user has at hand: a status code ({@code 429}), an error body
 * ({@code {"error":{…}}}, {@code {"detail":…}}), or a saved raw response as {@code curl -i} prints it (status line,
 * headers, blank line, body). Uses the same catalogue, retry policy and classifier as the client, so the advice is
 * what the SDK does.
 */
public final class Explainer {
    private static final Pattern STATUS_ONLY = Pattern.compile("\\d{3}");
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\S+\\s+(\\d{3})(?:\\s+(.*))?");
    /** The policy of the client with the jitter fixed at its upper bound, so the printed waits are the maxima. */
    private static final RetryPolicy POLICY = RetryPolicy.defaults().withRandom(() -> 0.0);

    private Explainer() {}

    /** The explanation text, as {@code sluice explain} prints it. */
    public static String explain(String input) {
        return analyze(input, Instant.now()).text();
    }

    /** {@code now} resolves an HTTP-date {@code retry-after}. */
    public static Explanation analyze(String input, Instant now) {
        String in = input == null ? "" : input.strip();
        if (STATUS_ONLY.matcher(in).matches()) return forStatus(Integer.parseInt(in));
        if (in.startsWith("HTTP/")) return forRaw(in, now);
        return forBody(in);
    }

    private static Explanation forStatus(int status) {
        List<ErrorKind> rows = rowsOf(status);
        RetryDecision retry = POLICY.decide(0, new HttpOutcome.Response(status, headers(Map.of()), null, null), Instant.EPOCH, null);
        NextAction next = ErrorClassifier.classify(status, null, null);
        StringBuilder t = new StringBuilder();
        line(t, "Status", status + reason(status));
        if (rows.isEmpty()) {
            line(t, "Catalogue", "no Sluice error answers " + status + "; it came from elsewhere (a proxy, a load balancer?)");
        } else if (rows.size() == 1) {
            row(t, rows.get(0));
        } else {
            line(t, "Catalogue", rows.size() + " rows answer " + status + "; the body's type and code tell them apart:");
            for (ErrorKind k : rows) {
                t.append(String.format(Locale.ROOT, "  %-28s %s / %s, x-should-retry: %s, next: %s%n      %s%n",
                        k.name(), k.type(), k.code(), k.shouldRetry(), ErrorClassifier.classify(k.status(), k.type(),
                                k.code()), k.condition()));
            }
        }
        String retryText = retryText(retry, null);
        if (status == 429) retryText += "; but never when the type/code is insufficient_quota (credits or budget spent)";
        line(t, "Retry", retryText);
        next(t, next);
        if (status == 429) {
            line(t, "", "for insufficient_quota: " + NextAction.CHECK_QUOTA.name() + " — " + NextAction.CHECK_QUOTA.advice());
        }
        line(t, "Request id", "none given; the x-request-id header of the response identifies it in the logs");
        return new Explanation(status, null, rows, null, retry, next, t.toString());
    }

    private static Explanation forBody(String body) {
        ApiError error = ErrorBodies.parse(body).orElse(null);
        Integer status = error == null ? null : ErrorClassifier.statusOf(error.type(), error.code()).orElse(null);
        return explainAnswer(status, headers(Map.of()), body, error, null, "status not given; ");
    }

    private static Explanation forRaw(String raw, Instant now) {
        String text = raw.replace("\r\n", "\n").replace('\r', '\n');
        while (true) {
            int end = text.indexOf("\n\n");
            String head = end < 0 ? text : text.substring(0, end);
            String body = end < 0 ? "" : text.substring(end + 2);
            String[] lines = head.split("\n");
            Matcher m = STATUS_LINE.matcher(lines[0].strip());
            if (!m.matches()) return forBody(raw);
            int status = Integer.parseInt(m.group(1));
            String reasonPhrase = m.group(2) == null ? "" : m.group(2).strip();
            boolean interim = status / 100 == 1 || (status == 200 && reasonPhrase.equalsIgnoreCase("Connection established"));
            if (interim && body.stripLeading().startsWith("HTTP/")) {
                text = body.stripLeading();
                continue;
            }
            Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon <= 0) continue;
                h.computeIfAbsent(lines[i].substring(0, colon).strip(), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).strip());
            }
            HttpHeaders headers = HttpHeaders.of(h, (a, b) -> true);
            ApiError error = ErrorBodies.parse(body.strip()).orElse(null);
            return explainAnswer(status, headers, body.strip(), error, now, "");
        }
    }

    private static Explanation explainAnswer(Integer status, HttpHeaders headers, String body, ApiError error,
                                             Instant now, String statusNote) {
        String type = error == null ? null : error.type();
        String code = error == null ? null : error.code();
        String requestId = headers.firstValue(Headers.REQUEST_ID)
                .or(() -> error == null ? java.util.Optional.empty() : RequestIds.inMessage(error.message()))
                .orElse(null);
        StringBuilder t = new StringBuilder();
        List<ErrorKind> rows = new ArrayList<>();
        if (status != null) {
            line(t, "Status", status + reason(status) + (statusNote.isEmpty() ? "" : " (" + statusNote
                    + "inferred from the error code)"));
            Optional<ErrorKind> k = error == null ? ErrorKind.forStatus(status) : ErrorKind.match(status, type, code);
            k.ifPresent(rows::add);
        } else {
            line(t, "Status", "unknown (" + statusNote + "paste the whole response, e.g. from curl -i, for a full answer)");
        }
        if (error != null) {
            line(t, "Error", "type " + type + ", code " + code + (error.param() == null ? "" : ", param " + error.param()));
            line(t, "Message", error.message());
        } else if (body.isEmpty()) {
            line(t, "Body", "empty (no error object; the status alone decides)");
        } else {
            String flat = body.replaceAll("\\s+", " ");
            line(t, "Body", "not an OpenAI error object: " + (flat.length() > 100 ? flat.substring(0, 100) + "…" : flat)
                    + (status != null && status >= 500 ? " (likely a proxy or load balancer page)" : ""));
        }
        if (rows.isEmpty()) {
            line(t, "Catalogue", status == null ? "no row matches this error" : "no Sluice row for " + status);
        } else {
            row(t, rows.get(0));
            if (error == null) line(t, "", "(the closest row for the status; the body does not say which)");
        }
        RetryDecision retry = null;
        NextAction next;
        if (status != null) {
            retry = POLICY.decide(0, new HttpOutcome.Response(status, headers, type, code),
                    now == null ? Instant.EPOCH : now, null);
            line(t, "Retry", retryText(retry, headers));
            next = ErrorClassifier.classify(status, type, code);
        } else {
            next = error == null ? NextAction.INSPECT_LOGS : ErrorClassifier.classifyStreamError(type, code);
            line(t, "Retry", "unknown without the status; x-should-retry and retry-after on the response decide");
        }
        rateLimits(t, headers);
        next(t, next);
        line(t, "Request id", requestId != null ? requestId + " (quote it to support; it is in the access log and ledger)"
                : "none in the input; the x-request-id header of the response identifies it in the logs");
        return new Explanation(status, error, List.copyOf(rows), requestId, retry, next, t.toString());
    }

    private static void row(StringBuilder t, ErrorKind k) {
        line(t, "Catalogue", k.name() + " — " + k.status() + " " + k.type() + " / " + k.code()
                + ", x-should-retry: " + k.shouldRetry());
        line(t, "Cause", k.condition());
    }

    private static void next(StringBuilder t, NextAction next) {
        line(t, "Next", next.name() + " — " + next.advice());
    }

    private static String retryText(RetryDecision d, HttpHeaders h) {
        if (!d.retry()) return "no — " + d.reason();
        String hint = h == null ? null : h.firstValue(Headers.RETRY_AFTER_MS).map(v -> Headers.RETRY_AFTER_MS + ": " + v)
                .or(() -> h.firstValue(Headers.RETRY_AFTER).map(v -> Headers.RETRY_AFTER + ": " + v)).orElse(null);
        if (d.reason().contains("retry-after")) {
            return "yes, after " + seconds(d.delay()) + " (" + hint + "; " + d.reason() + ")";
        }
        return "yes, with exponential backoff: up to " + seconds(POLICY.backoff(0)) + ", " + seconds(POLICY.backoff(1))
                + ", " + seconds(POLICY.backoff(2)) + " … at most " + seconds(RetryPolicy.MAX_DELAY)
                + " (× 0.75–1.0 jitter); the client retries " + RetryPolicy.DEFAULT_MAX_RETRIES + " times by default ("
                + d.reason() + ")";
    }

    private static void rateLimits(StringBuilder t, HttpHeaders h) {
        String req = window(h, Headers.REMAINING_REQUESTS, Headers.LIMIT_REQUESTS, Headers.RESET_REQUESTS, "requests");
        String tok = window(h, Headers.REMAINING_TOKENS, Headers.LIMIT_TOKENS, Headers.RESET_TOKENS, "tokens");
        if (req == null && tok == null) return;
        line(t, "Rate limits", req == null ? tok : tok == null ? req : req + "; " + tok);
    }

    private static String window(HttpHeaders h, String remaining, String limit, String reset, String what) {
        Optional<String> r = h.firstValue(remaining);
        if (r.isEmpty()) return null;
        return what + " " + r.get() + "/" + h.firstValue(limit).orElse("?") + " left"
                + h.firstValue(reset).map(v -> ", full again in " + v).orElse("");
    }

    private static List<ErrorKind> rowsOf(int status) {
        List<ErrorKind> rows = new ArrayList<>();
        for (ErrorKind k : ErrorKind.values()) if (k.status() == status) rows.add(k);
        return rows;
    }

    private static HttpHeaders headers(Map<String, List<String>> h) {
        return HttpHeaders.of(h, (a, b) -> true);
    }

    private static void line(StringBuilder t, String label, String value) {
        t.append(String.format(Locale.ROOT, "%-12s %s%n", label.isEmpty() ? "" : label + ":", value));
    }

    private static String seconds(Duration d) {
        double s = d.toMillis() / 1000.0;
        return (s == Math.rint(s) ? String.valueOf((long) s) : String.format(Locale.ROOT, "%.3f", s)
                .replaceAll("0+$", "")) + " s";
    }

    private static String reason(int status) {
        String r = switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 422 -> "Unprocessable Entity";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> null;
        };
        return r == null ? "" : " " + r;
    }
}
