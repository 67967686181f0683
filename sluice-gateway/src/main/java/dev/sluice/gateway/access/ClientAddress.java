package dev.sluice.gateway.access;

/**
 * Where a request comes from. {@code peer} is the socket address; {@code ip} is the client as far as Sluice can
 * trust: the peer itself, or, when the peer is a configured trusted proxy, the right-most {@code X-Forwarded-For}
 * hop that is not a trusted proxy. {@code ip} is null when a trusted proxy forwarded something that is not an
 * address (then no allowlist admits the request).
 */
public record ClientAddress(String peer, String ip, byte[] address, boolean viaTrustedProxy) {

    /** A direct connection from {@code peer}. */
    public static ClientAddress direct(String peer) {
        byte[] a = IpAddresses.parse(peer);
        return new ClientAddress(peer, a == null ? peer : IpAddresses.format(a), a, false);
    }

    /** The client IP for messages and logs: the address, or "unknown". */
    public String display() {
        return ip == null ? "unknown" : ip;
    }
}
