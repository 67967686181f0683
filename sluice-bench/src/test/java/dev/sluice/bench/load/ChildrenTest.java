package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Child processes never outlive the harness: each is ended with its own children, and the pid file follows. */
class ChildrenTest {
    @TempDir
    Path dir;

    @Test
    void stoppingAChildEndsItsDescendantsAndDropsItFromThePidFile() throws Exception {
        Path pids = dir.resolve("children.pids");
        try (Children children = new Children(dir, pids, null)) {
            Children.Child shell = children.start("shell",
                    List.of("/bin/sh", "-c", "sleep 300 & echo started; wait"), Map.of());
            shell.await(Pattern.compile("started"), Duration.ofSeconds(30));
            List<ProcessHandle> descendants = shell.process().descendants().toList();
            assertThat(descendants).isNotEmpty();
            assertThat(Files.readString(pids)).isEqualTo(shell.pid() + "\n");

            children.stop(shell);

            assertThat(shell.process().isAlive()).isFalse();
            for (ProcessHandle d : descendants) {
                d.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS); // a left-over "sleep 300" would time out
                assertThat(d.isAlive()).isFalse();
            }
            assertThat(Files.readString(pids)).isEmpty();
        }
    }

    @Test
    void closingEndsEveryChildThenRunsTheCleanup() throws Exception {
        Path marker = dir.resolve("cleaned");
        Children children = new Children(dir, null, () -> {
            try {
                Files.writeString(marker, "yes");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Children.Child a = children.start("a", List.of("sleep", "300"), Map.of());
        Children.Child b = children.start("b", List.of("sleep", "300"), Map.of());

        children.close();

        assertThat(a.process().isAlive()).isFalse();
        assertThat(b.process().isAlive()).isFalse();
        assertThat(marker).hasContent("yes");
        assertThatThrownBy(() -> children.start("c", List.of("sleep", "1"), Map.of()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aChildThatExitsBeforeItIsReadyFailsWithItsOutput() throws Exception {
        try (Children children = new Children(dir, null, null)) {
            Children.Child broken = children.start("broken", List.of("/bin/sh", "-c", "echo 'no config'; exit 3"), Map.of());

            assertThatThrownBy(() -> broken.await(Pattern.compile("listening"), Duration.ofSeconds(30)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("broken exited with status 3").hasMessageContaining("no config");
        }
    }
}
