package dev.sluice.gateway.store;

import dev.sluice.protocol.Hashes;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class KeyHashesTest {
    private final KeyHashes hashes = new KeyHashes();

    @Test
    void everyAnswerIsTheSha256OfTheSecretRememberedOrNot() {
        Random r = new Random(7);
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < 2 * KeyHashes.SLOTS; i++) secrets.add("sk-proj-" + Long.toHexString(r.nextLong()) + "é");
        secrets.add("x".repeat(KeyHashes.MAX_SECRET_CHARS + 1)); // too long to remember
        for (int round = 0; round < 3; round++) {
            for (String s : secrets) assertThat(hashes.sha256Hex(s)).isEqualTo(Hashes.sha256Hex(s));
        }
    }

    @Test
    void secretsOfTheSameSlotNeverGetEachOthersHash() {
        String a = "sk-proj-Aa";
        String b = "sk-proj-BB"; // the same String.hashCode
        assertThat(a.hashCode()).isEqualTo(b.hashCode());
        for (int i = 0; i < 3; i++) {
            assertThat(hashes.sha256Hex(a)).isEqualTo(Hashes.sha256Hex(a));
            assertThat(hashes.sha256Hex(a)).isEqualTo(Hashes.sha256Hex(a));
            assertThat(hashes.sha256Hex(b)).isEqualTo(Hashes.sha256Hex(b));
        }
    }

    @Test
    void comparesSecretsByEveryCharacter() {
        assertThat(KeyHashes.sameSecret("sk-abc", "sk-abc")).isTrue();
        assertThat(KeyHashes.sameSecret("sk-abc", "sk-abd")).isFalse();
        assertThat(KeyHashes.sameSecret("tk-abc", "sk-abc")).isFalse();
        assertThat(KeyHashes.sameSecret("sk-abc", "sk-ab")).isFalse();
    }

    @Test
    void threadsSharingTheTableEachGetTheirOwnSecretsHash() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> all = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        String s = "sk-" + id + "-" + (i % 600); // more secrets than slots: constant overwrites
                        if (!hashes.sha256Hex(s).equals(Hashes.sha256Hex(s))) return false;
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : all) assertThat(f.get()).isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRememberedPairDoesNotPrintItsSecret() throws Exception {
        hashes.sha256Hex("sk-proj-secret-value");
        var field = KeyHashes.class.getDeclaredField("slots");
        field.setAccessible(true);
        String shown = String.valueOf(field.get(hashes));
        assertThat(shown).doesNotContain("secret-value");
    }
}
