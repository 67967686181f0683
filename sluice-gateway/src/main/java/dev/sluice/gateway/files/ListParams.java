package dev.sluice.gateway.files;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.MultiMap;

/** The cursor parameters of OpenAI's list endpoints: {@code after}, {@code limit} and (files) {@code order}. */
public record ListParams(String after, int limit, boolean ascending) {

    /** Reads and checks the query; 400 invalid_value naming the parameter for a bad limit or order. */
    public static ListParams of(MultiMap query, int defaultLimit, int maxLimit) {
        String after = blankToNull(query.get("after"));
        int limit = defaultLimit;
        String l = blankToNull(query.get("limit"));
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > maxLimit) {
                throw ApiException.at(ErrorKind.INVALID_VALUE, "limit", "why",
                        "expected an integer from 1 to " + maxLimit + ", got '" + l + "'");
            }
        }
        String order = blankToNull(query.get("order"));
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "order", "why", "expected 'asc' or 'desc', got '" + order + "'");
        }
        return new ListParams(after, limit, "asc".equals(order));
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
