package dev.sluice.gateway;

import dev.sluice.gateway.http.FatalErrors;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** An OutOfMemoryError never leaves a zombie: the process exits so a supervisor restarts it. */
class FatalErrorExitTest {
    /** The child: a Vert.x handler throws an OutOfMemoryError with the gateway's exception handler installed. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
            vertx.exceptionHandler(FatalErrors::exitIfFatal);
            vertx.runOnContext(v -> {
                throw new OutOfMemoryError("Java heap space (simulated)");
            });
            Thread.sleep(30_000);
            System.out.println("still running");
            System.exit(0);
        }
    }

    @Test
    void anOutOfMemoryErrorInAHandlerEndsTheProcessWithStatus3() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Child.class.getName()).redirectErrorStream(true).start();
        assertThat(p.waitFor(25, TimeUnit.SECONDS)).as("exited").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isEqualTo(3);
        assertThat(out).doesNotContain("still running").contains("fatal OutOfMemoryError");
    }

    @Test
    void theLauncherRunsTheJvmWithExitOnOutOfMemoryError() throws Exception {
        assertThat(Files.readString(Path.of("..", "sluice"))).contains("-XX:+ExitOnOutOfMemoryError");
    }
}
