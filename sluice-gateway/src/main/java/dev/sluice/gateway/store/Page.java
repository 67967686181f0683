package dev.sluice.gateway.store;

import java.util.List;

/** One page of a cursor-paginated listing, and whether more rows follow it. */
public record Page<T>(List<T> items, boolean hasMore) {
    public Page {
        items = List.copyOf(items);
    }
}
