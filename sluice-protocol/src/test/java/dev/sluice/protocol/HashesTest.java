package dev.sluice.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class HashesTest {

    @Test
    void sha256HexMatchesTheKnownVectors() {
        assertThat(Hashes.sha256Hex(""))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Hashes.sha256Hex("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void incrementalDigestEqualsTheOneShotDigestOfTheSameBytes() {
        var d = Hashes.sha256();
        d.update("ab".getBytes(StandardCharsets.UTF_8));
        d.update("c".getBytes(StandardCharsets.UTF_8));
        assertThat(Hashes.hex(d.digest())).isEqualTo(Hashes.sha256Hex("abc".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theReusedDigestStartsAfreshEveryCallOnEveryThread() throws Exception {
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        String empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        Runnable alternate = () -> {
            for (int i = 0; i < 1_000; i++) {
                assertThat(Hashes.sha256Hex("abc")).isEqualTo(abc);
                assertThat(Hashes.sha256Hex("")).isEqualTo(empty);
                var d = Hashes.sha256(); // an incremental digest is never the shared one
                d.update("ab".getBytes(StandardCharsets.UTF_8));
                assertThat(Hashes.sha256Hex("abc")).isEqualTo(abc);
                d.update("c".getBytes(StandardCharsets.UTF_8));
                assertThat(Hashes.hex(d.digest())).isEqualTo(abc);
            }
        };
        Thread[] threads = new Thread[4];
        java.util.List<Throwable> failures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(alternate);
            threads[t].setUncaughtExceptionHandler((th, e) -> failures.add(e));
            threads[t].start();
        }
        alternate.run();
        for (Thread t : threads) t.join();
        assertThat(failures).isEmpty();
    }
}
