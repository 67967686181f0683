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
}
