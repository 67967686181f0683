package dev.sluice.gateway.access;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A CIDR→country table read from a file (config {@code region.country_table}): one {@code cidr,country} per line,
 * {@code #} comments and blank lines ignored, e.g. {@code 203.0.113.0/24,NZ}. Lookups take the longest matching
 * prefix, one hash probe per prefix length, so a table of a few hundred thousand networks stays fast.
 */
public final class CountryTable {
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");

    /** Per prefix length, longest first: masked network bytes → country. */
    private final TreeMap<Integer, Map<ByteBuffer, String>> v4 = new TreeMap<>(java.util.Comparator.reverseOrder());
    private final TreeMap<Integer, Map<ByteBuffer, String>> v6 = new TreeMap<>(java.util.Comparator.reverseOrder());
    private int size;

    private CountryTable() {}

    public static CountryTable empty() {
        return new CountryTable();
    }

    /** Loads a table file; {@link IllegalArgumentException} naming the line for anything malformed. */
    public static CountryTable load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
        CountryTable t = new CountryTable();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] parts = line.split(",");
            if (parts.length != 2) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected 'cidr,country'");
            }
            Cidr cidr;
            try {
                cidr = Cidr.parse(parts[0]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage());
            }
            String country = parts[1].strip().toUpperCase(Locale.ROOT);
            if (!COUNTRY.matcher(country).matches()) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": '" + parts[1].strip()
                        + "' is not a two-letter country code");
            }
            t.put(cidr, country);
        }
        return t;
    }

    private void put(Cidr cidr, String country) {
        (cidr.isV4() ? v4 : v6).computeIfAbsent(cidr.prefix(), p -> new HashMap<>())
                .put(ByteBuffer.wrap(cidr.network()), country);
        size++;
    }

    /** The country of an address, or null when no network of the table contains it. */
    public String country(byte[] address) {
        if (address == null) return null;
        for (Map.Entry<Integer, Map<ByteBuffer, String>> e : (address.length == 4 ? v4 : v6).entrySet()) {
            String c = e.getValue().get(ByteBuffer.wrap(Cidr.mask(address, e.getKey())));
            if (c != null) return c;
        }
        return null;
    }

    public int size() {
        return size;
    }
}
