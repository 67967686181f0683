package dev.sluice.gateway.quota;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.validation.ListQuery;
import dev.sluice.gateway.admin.AdminHttp;
import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Usage and costs on the admin port, shaped like OpenAI's organization usage and costs endpoints:
 * {@code GET /v1/organization/usage/completions}, {@code .../usage/embeddings} and {@code /v1/organization/costs}
 * with {@code start_time} (required, Unix seconds), {@code end_time}, {@code bucket_width} ({@code 1m}, {@code 1h},
 * {@code 1d}; costs: {@code 1d}), {@code group_by}, the filters {@code project_ids}, {@code api_key_ids},
 * {@code models}, {@code limit} and {@code page}. The admin token spans every organization, so
 * {@code organization_id} is an extra group-by and {@code organization_ids} an extra filter.
 */
public final class UsageRoutes implements AdminRoutes {
    private static final List<String> COMPLETIONS = List.of("/v1/chat/completions", "/v1/responses");
    private static final List<String> EMBEDDINGS = List.of("/v1/embeddings");
    private static final Map<String, String> FILTERS = Map.of(
            "project_ids", "project_id", "api_key_ids", "api_key_id", "models", "model",
            "organization_ids", "organization_id");

    private final UsageQueries queries;
    private final Clock clock;

    public UsageRoutes(UsageQueries queries, Clock clock) {
        this.queries = queries;
        this.clock = clock;
    }

    private enum Kind { COMPLETIONS, EMBEDDINGS, COSTS }

    @Override
    public void mount(Router r) {
        r.get("/v1/organization/usage/completions").handler(ctx -> usage(ctx, Kind.COMPLETIONS));
        r.get("/v1/organization/usage/embeddings").handler(ctx -> usage(ctx, Kind.EMBEDDINGS));
        r.get("/v1/organization/costs").handler(ctx -> usage(ctx, Kind.COSTS));
    }

    private void usage(RoutingContext ctx, Kind kind) {
        String width = param(ctx, "bucket_width", "1d");
        long widthMs = switch (width) {
            case "1m" -> 60_000L;
            case "1h" -> 3_600_000L;
            case "1d" -> 86_400_000L;
            default -> throw ApiException.at(ErrorKind.INVALID_VALUE, "bucket_width", "why",
                    "expected '1m', '1h' or '1d', but got '" + width + "'");
        };
        if (kind == Kind.COSTS && widthMs != 86_400_000L) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "bucket_width", "why", "costs are bucketed by '1d' only");
        }
        int[] limits = widthMs == 60_000L ? new int[] {60, 1440} : widthMs == 3_600_000L ? new int[] {24, 168} : new int[] {7, 31};
        int limit = ListQuery.limit(ctx.request().params(), limits[0], limits[1]);
        String startText = ctx.request().getParam("start_time");
        if (startText == null || startText.isBlank()) throw ApiException.at(ErrorKind.MISSING_PARAMETER, "start_time");
        long start = seconds(startText, "start_time");
        String page = ctx.request().getParam("page");
        long first = start;
        if (page != null && !page.isBlank()) {
            if (!page.startsWith("page_")) throw ApiException.at(ErrorKind.INVALID_VALUE, "page", "why", "not a page cursor from next_page");
            first = seconds(page.substring(5), "page");
            if (first < start) throw ApiException.at(ErrorKind.INVALID_VALUE, "page", "why", "not a page cursor from next_page");
        }
        String endText = ctx.request().getParam("end_time");
        long end = endText == null || endText.isBlank() ? Long.MAX_VALUE / 2000 : seconds(endText, "end_time");
        if (end <= start) throw ApiException.at(ErrorKind.INVALID_VALUE, "end_time", "why", "must be after start_time");
        long widthS = widthMs / 1000;
        long pageEnd = Math.min(end, first + limit * widthS);
        boolean more = pageEnd < end && endText != null && !endText.isBlank()
                || (endText == null || endText.isBlank()) && pageEnd <= clock.millis() / 1000;
        List<String> groupBy = groupBy(ctx, kind);
        Map<String, List<String>> filters = new LinkedHashMap<>();
        FILTERS.forEach((param, dim) -> filters.put(dim, listParam(ctx, param)));
        if (kind == Kind.COSTS && groupBy.contains("line_item")) {
            groupBy = new ArrayList<>(groupBy);
            groupBy.set(groupBy.indexOf("line_item"), "model");
        }
        UsageQueries.Query q = new UsageQueries.Query(first * 1000, widthMs, pageEnd * 1000, List.copyOf(groupBy), filters,
                kind == Kind.COMPLETIONS ? COMPLETIONS : kind == Kind.EMBEDDINGS ? EMBEDDINGS : List.of());
        long firstBucket = first;
        long lastEnd = pageEnd;
        boolean hasMore = more;
        AdminHttp.blocking(ctx, 200, () -> page(kind, q, firstBucket, lastEnd, widthS, hasMore));
    }

    private ObjectNode page(Kind kind, UsageQueries.Query q, long first, long end, long widthS, boolean more) {
        Map<Integer, List<UsageQueries.Sum>> byBucket = new HashMap<>();
        for (UsageQueries.Sum s : queries.sums(q)) byBucket.computeIfAbsent(s.bucket(), b -> new ArrayList<>()).add(s);
        ObjectNode out = AdminHttp.JSON.createObjectNode().put("object", "page");
        ArrayNode data = out.putArray("data");
        int i = 0;
        for (long t = first; t < end; t += widthS, i++) {
            ObjectNode b = data.addObject().put("object", "bucket").put("start_time", t)
                    .put("end_time", Math.min(t + widthS, end));
            ArrayNode results = b.putArray("results");
            for (UsageQueries.Sum s : byBucket.getOrDefault(i, List.of())) results.add(result(kind, q.groupBy(), s));
        }
        out.put("has_more", more);
        out.put("next_page", more ? "page_" + end : null);
        return out;
    }

    private static ObjectNode result(Kind kind, List<String> groupBy, UsageQueries.Sum s) {
        ObjectNode r = AdminHttp.JSON.createObjectNode();
        switch (kind) {
            case COMPLETIONS -> {
                r.put("object", "organization.usage.completions.result");
                r.put("input_tokens", s.inputTokens()).put("output_tokens", s.outputTokens())
                        .put("input_cached_tokens", 0).put("input_audio_tokens", 0).put("output_audio_tokens", 0)
                        .put("num_model_requests", s.requests());
                dims(r, groupBy, s);
                r.putNull("batch");
            }
            case EMBEDDINGS -> {
                r.put("object", "organization.usage.embeddings.result");
                r.put("input_tokens", s.inputTokens()).put("num_model_requests", s.requests());
                dims(r, groupBy, s);
            }
            case COSTS -> {
                r.put("object", "organization.costs.result");
                r.putObject("amount").set("value", QuotaRoutes.money(s.costNanos()));
                ((ObjectNode) r.get("amount")).put("currency", "usd");
                int li = groupBy.indexOf("model");
                r.put("line_item", li < 0 ? null : s.groups().get(li));
                int pi = groupBy.indexOf("project_id");
                r.put("project_id", pi < 0 ? null : s.groups().get(pi));
                int oi = groupBy.indexOf("organization_id");
                if (oi >= 0) r.put("organization_id", s.groups().get(oi));
                int ki = groupBy.indexOf("api_key_id");
                if (ki >= 0) r.put("api_key_id", s.groups().get(ki));
            }
        }
        return r;
    }

    /** The OpenAI dimension fields (null when not grouped by), plus organization_id when grouped by it. */
    private static void dims(ObjectNode r, List<String> groupBy, UsageQueries.Sum s) {
        for (String d : List.of("project_id", "user_id", "api_key_id", "model")) {
            int i = groupBy.indexOf(d);
            r.put(d, i < 0 ? null : s.groups().get(i));
        }
        int oi = groupBy.indexOf("organization_id");
        if (oi >= 0) r.put("organization_id", s.groups().get(oi));
    }

    private static List<String> groupBy(RoutingContext ctx, Kind kind) {
        List<String> out = new ArrayList<>();
        for (String g : listParam(ctx, "group_by")) {
            boolean ok = kind == Kind.COSTS ? List.of("project_id", "line_item", "organization_id", "api_key_id").contains(g)
                    : UsageQueries.DIMENSIONS.containsKey(g);
            if (!ok) {
                throw ApiException.at(ErrorKind.INVALID_VALUE, "group_by", "why", "cannot group by '" + g + "' (expected "
                        + (kind == Kind.COSTS ? "project_id, line_item, organization_id or api_key_id"
                        : "project_id, api_key_id, model or organization_id") + ")");
            }
            if (!out.contains(g)) out.add(g);
        }
        return out;
    }

    /** A list parameter: repeated ({@code a=x&a=y}), bracketed ({@code a[]=x}) or comma-separated. */
    private static List<String> listParam(RoutingContext ctx, String name) {
        List<String> out = new ArrayList<>();
        for (String n : new String[] {name, name + "[]"}) {
            for (String v : ctx.request().params().getAll(n)) {
                for (String part : v.split(",")) if (!part.isBlank()) out.add(part.trim());
            }
        }
        return out;
    }

    private static String param(RoutingContext ctx, String name, String dflt) {
        String v = ctx.request().getParam(name);
        return v == null || v.isBlank() ? dflt : v.trim();
    }

    private static long seconds(String text, String param) {
        try {
            long v = Long.parseLong(text.trim());
            if (v >= 0 && v < 100_000_000_000L) return v;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiException.at(ErrorKind.INVALID_VALUE, param, "why", "expected Unix seconds, but got '" + text + "'");
    }
}
