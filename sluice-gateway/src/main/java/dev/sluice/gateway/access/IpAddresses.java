package dev.sluice.gateway.access;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Parses and prints IP address literals without ever resolving a name (a hostile {@code X-Forwarded-For} must not
 * trigger DNS). IPv4 is 4 bytes; IPv6 16 bytes, except IPv4-mapped IPv6 ({@code ::ffff:1.2.3.4}), which is IPv4.
 */
final class IpAddresses {
    private IpAddresses() {}

    /** The address bytes of a literal, or null when {@code s} is not an IPv4 or IPv6 literal. */
    public static byte[] parse(String s) {
        if (s == null) return null;
        String t = s.strip();
        if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
        if (t.isEmpty() || t.length() > 45) return null;
        if (t.indexOf(':') < 0) return parseV4(t);
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            boolean ok = c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!ok) return null; // also refuses zone ids (%eth0), which a client address never needs
        }
        try {
            // Only hex digits, colons and dots: InetAddress treats it as a literal and never looks a name up.
            InetAddress a = InetAddress.getByName(t);
            return a.getAddress();
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    private static byte[] parseV4(String t) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= t.length(); i++) {
            char c = i < t.length() ? t.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) return null;
                out[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) return null; // no leading zeros: "010" is octal to some parsers
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (++digits > 3 || value > 255) return null;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    /** The conventional text form: dotted IPv4, RFC 5952 compressed IPv6 ({@code 2001:db8::5}). */
    public static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLen && j - i >= 2) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /** True for a 4-byte address. */
    static boolean isV4(byte[] address) {
        return address.length == 4;
    }

    /** For tests and messages: normalizes any literal to its {@link #format} form, or null. */
    public static String normalize(String literal) {
        byte[] b = parse(literal);
        return b == null ? null : format(b);
    }
}
