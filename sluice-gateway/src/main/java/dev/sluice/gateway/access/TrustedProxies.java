package dev.sluice.gateway.access;

import java.util.ArrayList;
import java.util.List;

/**
 * The proxies whose {@code X-Forwarded-For} Sluice believes (config {@code trusted_proxies}). A client can write any
 * {@code X-Forwarded-For} it likes, so the header is read only when the socket peer is one of these, and then from
 * the right: each trusted proxy appends the address it saw, so the right-most hop that is not a trusted proxy is the
 * first address nobody trusted could have forged.
 */
public final class TrustedProxies {
    private final List<Cidr> proxies;

    public TrustedProxies(List<Cidr> proxies) {
        this.proxies = List.copyOf(proxies);
    }

    public static TrustedProxies none() {
        return new TrustedProxies(List.of());
    }

    /** Parses config values; {@link IllegalArgumentException} naming the bad entry. */
    public static TrustedProxies parse(List<String> cidrs) {
        List<Cidr> out = new ArrayList<>();
        if (cidrs != null) for (String c : cidrs) out.add(Cidr.parse(c));
        return new TrustedProxies(out);
    }

    public boolean isEmpty() {
        return proxies.isEmpty();
    }

    boolean trusted(byte[] address) {
        for (Cidr c : proxies) if (c.contains(address)) return true;
        return false;
    }

    /**
     * Resolves the client of a request from its socket peer and its {@code X-Forwarded-For} header values (all of
     * them, in order; each may list several comma-separated hops).
     */
    public ClientAddress resolve(String peer, List<String> forwardedFor) {
        if (proxies.isEmpty()) return ClientAddress.direct(peer); // the common case: the peer is the client
        byte[] peerAddress = IpAddresses.parse(peer);
        if (peerAddress == null || proxies.isEmpty() || !trusted(peerAddress)) return ClientAddress.direct(peer);
        List<String> hops = new ArrayList<>();
        if (forwardedFor != null) {
            for (String value : forwardedFor) {
                for (String hop : value.split(",")) if (!hop.isBlank()) hops.add(hop.strip());
            }
        }
        byte[] client = peerAddress;
        for (int i = hops.size() - 1; i >= 0; i--) {
            byte[] hop = IpAddresses.parse(hops.get(i));
            if (hop == null) return new ClientAddress(peer, null, null, true); // garbage from a trusted chain: fail closed
            client = hop;
            if (!trusted(hop)) break; // the right-most untrusted hop; if all are trusted, the left-most
        }
        return new ClientAddress(peer, IpAddresses.format(client), client, true);
    }
}
