package dev.sluice.gateway.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.json.Json;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.MultiMap;

import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The cursor parameters of every list endpoint (files, batches, admin lists, rate limits), read and checked in one
 * place: {@code limit} (1..max, a default when absent), {@code after} (an id from the previous page) and
 * {@code order} ({@code asc}/{@code desc}, newest first when absent). An {@code after} that names no object of the
 * list is 400 {@code invalid_value} naming {@code after}, as OpenAI answers, whichever list it is.
 */
public record ListQuery(String after, int limit, boolean ascending) {

    /** Reads {@code after} and {@code limit}; 400 invalid_value naming the parameter when bad. */
    public static ListQuery of(MultiMap query, int defaultLimit, int maxLimit) {
        return new ListQuery(blankToNull(query.get("after")), limit(query, defaultLimit, maxLimit), false);
    }

    /** {@link #of} plus {@code order} (the Files and Batch APIs take it); 400 invalid_value naming it when bad. */
    public static ListQuery ordered(MultiMap query, int defaultLimit, int maxLimit) {
        ListQuery q = of(query, defaultLimit, maxLimit);
        String order = blankToNull(query.get("order"));
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "order", "why",
                    "expected 'asc' or 'desc', got '" + order + "'");
        }
        return new ListQuery(q.after, q.limit, "asc".equals(order));
    }

    /** Only {@code limit} (for lists paged another way, e.g. usage buckets); 400 invalid_value naming it. */
    public static int limit(MultiMap query, int defaultLimit, int maxLimit) {
        String v = blankToNull(query.get("limit"));
        if (v == null) return defaultLimit;
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= 1 && n <= maxLimit) return n;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiException.at(ErrorKind.INVALID_VALUE, "limit", "why",
                "expected an integer between 1 and " + maxLimit + ", but got '" + shorten(v) + "'");
    }

    /** The 400 for an {@code after} that names no object of the list. */
    public static ApiException unknownAfter(String after) {
        return ApiException.at(ErrorKind.INVALID_VALUE, "after", "why",
                "no object with id '" + shorten(after) + "' in this list");
    }

    /** For lists read from a store: throws {@link #unknownAfter} unless the cursor is absent or {@code exists}. */
    public void requireKnownAfter(Predicate<String> exists) {
        if (after != null && !exists.test(after)) throw unknownAfter(after);
    }

    /** One page of an in-memory list, in its order, after the cursor. */
    public record Slice<T>(List<T> items, boolean hasMore) {}

    /** The page of {@code all} (already in list order) after the cursor, {@code limit} long. */
    public <T> Slice<T> slice(List<T> all, Function<T, String> id) {
        int start = 0;
        if (after != null) {
            int i = 0;
            while (i < all.size() && !id.apply(all.get(i)).equals(after)) i++;
            if (i == all.size()) throw unknownAfter(after);
            start = i + 1;
        }
        int end = Math.min(all.size(), start + limit);
        return new Slice<>(List.copyOf(all.subList(start, end)), end < all.size());
    }

    /**
     * A page in OpenAI's list shape: {@code object: "list"}, {@code data}, {@code first_id}, {@code last_id} (null
     * when empty) and {@code has_more}.
     */
    public static <T> ObjectNode listObject(List<T> items, boolean hasMore, Function<T, ? extends JsonNode> write,
                                            Function<T, String> id) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        for (T t : items) data.add(write.apply(t));
        o.put("first_id", items.isEmpty() ? null : id.apply(items.getFirst()));
        o.put("last_id", items.isEmpty() ? null : id.apply(items.getLast()));
        o.put("has_more", hasMore);
        return o;
    }

    /** {@code null} for an absent or blank parameter. */
    public static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** A caller-given value made safe to quote in an error message: odd characters as '?', at most 64 long. */
    public static String shorten(String v) {
        String s = v.replaceAll("[^A-Za-z0-9_.:@/+-]", "?");
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }
}
