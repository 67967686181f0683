package dev.sluice.gateway.store;

import java.security.SecureRandom;

/** Random, prefixed, URL-safe identifiers ({@code org_…}, {@code proj_…}); unguessable so ids leak nothing. */
final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final int LENGTH = 24;

    static final String ORGANIZATION = "org_";
    static final String USER = "user_";
    static final String PROJECT = "proj_";
    static final String SERVICE_ACCOUNT = "svc_acct_";
    static final String API_KEY = "key_";
    static final String IP_ALLOWLIST_ENTRY = "ipallow_";

    private Ids() {}

    static String next(String prefix) {
        char[] out = new char[LENGTH];
        for (int i = 0; i < LENGTH; i++) out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        return prefix + new String(out);
    }
}
