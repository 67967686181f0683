package dev.sluice.gateway.access;

/**
 * Where a request comes from. {@code peer} is the socket address; {@code ip} is the client as far as Sluice can
 * trust: the peer itself, or, when the peer is a configured trusted proxy, the right-most {@code X-Forwarded-For}
 * hop that is not a trusted proxy. {@code ip} is null when a trusted proxy forwarded something that is not an
 * address (then no allowlist admits the request).
 */
public record ClientAddress(String peer, String ip, byte[] address, boolean viaTrustedProxy) {

    /**
     * The last direct address made on each thread: the requests of a kept-alive connection, and most of an event
     * loop's in a row, come from one peer, and parsing and printing its address was per-request work. Shared between
     * requests, so nobody may write into {@link #address()} (nothing does: the allowlist and the country table only
     * read it).
     */
    private static final ThreadLocal<ClientAddress> LAST_DIRECT = new ThreadLocal<>();

    /** A direct connection from {@code peer}. */
    public static ClientAddress direct(String peer) {
        ClientAddress last = LAST_DIRECT.get();
        if (last != null && peer != null && peer.equals(last.peer)) return last;
        byte[] a = IpAddresses.parse(peer);
        ClientAddress made = new ClientAddress(peer, a == null ? peer : IpAddresses.format(a), a, false);
        LAST_DIRECT.set(made);
        return made;
    }

    /** The client IP for messages and logs: the address, or "unknown". */
    public String display() {
        return ip == null ? "unknown" : ip;
    }
}
