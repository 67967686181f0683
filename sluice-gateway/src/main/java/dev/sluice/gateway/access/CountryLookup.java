package dev.sluice.gateway.access;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a request comes from, by country: the configured header set by the edge (config
 * {@code region.country_header}, e.g. {@code cf-ipcountry}), believed only when the request came through a trusted
 * proxy, else the CIDR→country table, else unknown (null).
 */
public final class CountryLookup {
    private static final Pattern CODE = Pattern.compile("[A-Z]{2}");
    private final String header;
    private final CountryTable table;

    public CountryLookup(String header, CountryTable table) {
        this.header = header == null || header.isBlank() ? null : header.strip();
        this.table = table == null ? CountryTable.empty() : table;
    }

    public static CountryLookup none() {
        return new CountryLookup(null, CountryTable.empty());
    }

    /** The upper-case alpha-2 country of the client, or null when unknown. */
    public String country(ClientAddress client, java.util.function.Function<String, String> headers) {
        if (header != null && client.viaTrustedProxy()) {
            String v = headers.apply(header);
            if (v != null) {
                String c = v.strip().toUpperCase(Locale.ROOT);
                if (CODE.matcher(c).matches()) return c;
            }
        }
        return table.country(client.address());
    }
}
