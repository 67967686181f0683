package dev.sluice.gateway.access;

import java.util.Arrays;

/**
 * An IPv4 or IPv6 network ({@code 10.0.0.0/8}, {@code 2001:db8::/32}); a bare address is a single-host network.
 * Host bits are cleared, so {@code 10.1.2.3/8} and {@code 10.0.0.0/8} are the same network and print the same.
 */
public final class Cidr {
    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /** Parses a CIDR or a bare address; {@link IllegalArgumentException} with a readable reason otherwise. */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("a CIDR must not be empty");
        String t = text.strip();
        int slash = t.indexOf('/');
        byte[] address = IpAddresses.parse(slash < 0 ? t : t.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("'" + t + "' is not an IPv4 or IPv6 CIDR (like 10.0.0.0/8 or 2001:db8::/32)");
        }
        int max = address.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > max) {
                throw new IllegalArgumentException("'" + t + "' has an invalid prefix length (0-" + max + ")");
            }
            prefix = Integer.parseInt(p);
        }
        return new Cidr(mask(address, prefix), prefix);
    }

    static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - 8 * i));
            out[i] = (byte) (out[i] & (0xff << (8 - bits)));
        }
        return out;
    }

    /** True when {@code address} (4 or 16 bytes) is inside this network; IPv4 never matches an IPv6 network. */
    public boolean contains(byte[] address) {
        if (address == null || address.length != network.length) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) if (address[i] != network[i]) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int m = 0xff << (8 - rest);
        return (address[full] & m) == (network[full] & m);
    }

    public int prefix() {
        return prefix;
    }

    byte[] network() {
        return network.clone();
    }

    public boolean isV4() {
        return network.length == 4;
    }

    /** The canonical text form, always with the prefix: {@code 10.0.0.0/8}, {@code 203.0.113.7/32}. */
    @Override
    public String toString() {
        return IpAddresses.format(network) + "/" + prefix;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }
}
