package dev.sluice.gateway.upstream;

import dev.sluice.gateway.models.Deployment;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deployment's secret from the process environment (kept per variable after the first read) says what reading the
 * variable says, every time; another environment map (tests, tools) is read as it is, never from that memo.
 */
class CredentialsTest {
    private static Deployment keyFrom(String variable) {
        return new Deployment("d", "openai", "http://127.0.0.1:1/v1", null, variable, 0);
    }

    /** A variable of this process with a value that is not blank. */
    private static String someVariable() {
        Map<String, String> env = System.getenv();
        return env.keySet().stream().filter(n -> !env.get(n).isBlank()).sorted().findFirst().orElseThrow();
    }

    @Test
    void theProcessEnvironmentsSecretIsTheVariablesValueTrimmedEveryTime() {
        Map<String, String> env = System.getenv();
        String name = someVariable();
        for (int i = 0; i < 3; i++) {
            assertThat(Credentials.secret(keyFrom(name), System.getenv())).isEqualTo(env.get(name).strip());
        }
        String unset = "SLUICE_TEST_UNSET_" + System.nanoTime();
        for (int i = 0; i < 2; i++) assertThat(Credentials.secret(keyFrom(unset), System.getenv())).isNull();
    }

    @Test
    void anotherEnvironmentIsReadAsItIsNotFromTheProcesssMemo() {
        String name = someVariable();
        assertThat(Credentials.secret(keyFrom(name), System.getenv())).isNotNull(); // the memo holds the process's
        assertThat(Credentials.secret(keyFrom(name), Map.of(name, "  sk-other \n"))).isEqualTo("sk-other");
        assertThat(Credentials.secret(keyFrom(name), Map.of(name, "   "))).isNull();
        assertThat(Credentials.secret(keyFrom(name), Map.of())).isNull();
    }
}
