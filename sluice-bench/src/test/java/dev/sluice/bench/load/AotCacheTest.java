package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class AotCacheTest {
    @TempDir
    Path target;

    private Path file(String name, long epochSecond) throws Exception {
        Path p = target.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "x");
        Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(epochSecond)));
        return p;
    }

    @Test
    void theCacheIsUsedOnlyWhileNoJarOfTheBuildIsNewerThanIt() throws Exception {
        Path jar = file("sluice-cli.jar", 1_000);
        file("lib/vertx-core.jar", 1_000);
        Path aot = AotCache.of(jar);
        assertThat(aot).isEqualTo(target.resolve("sluice.aot"));
        assertThat(AotCache.fresh(aot, jar)).as("no cache yet").isFalse();

        file("sluice.aot", 2_000);
        assertThat(AotCache.fresh(aot, jar)).isTrue();

        file("lib/sluice-gateway.jar", 3_000);
        assertThat(AotCache.fresh(aot, jar)).as("a library jar rebuilt after the cache").isFalse();

        file("sluice.aot", 4_000);
        assertThat(AotCache.fresh(aot, jar)).isTrue();
        file("sluice-cli.jar", 5_000);
        assertThat(AotCache.fresh(aot, jar)).as("the CLI jar rebuilt after the cache").isFalse();

        file("sluice.aot", 6_000);
        Files.writeString(aot, "");
        Files.setLastModifiedTime(aot, FileTime.from(Instant.ofEpochSecond(6_000)));
        assertThat(AotCache.fresh(aot, jar)).as("an empty file (a recording that died)").isFalse();
    }

    @Test
    void sluiceStartsFromTheCacheOrRecordsItWithItsLogQuietButForErrors() {
        Path aot = Path.of("/x/sluice.aot");
        assertThat(AotCache.use(aot)).containsExactly("-XX:AOTCache=/x/sluice.aot", "-Xlog:aot*=error,cds*=error");
        assertThat(AotCache.record(aot)).containsExactly("-XX:AOTCacheOutput=/x/sluice.aot", "-Xlog:aot*=error,cds*=error");
    }

    @Test
    void theHarnessStartsSluiceTheWayTheLauncherDoes() throws Exception {
        String launcher = Files.readString(Path.of("..", "sluice"));
        Path aot = AotCache.of(Path.of("sluice-cli", "target", "sluice-cli.jar"));
        assertThat(launcher).contains("$ROOT/" + aot.toString().replace('\\', '/'))
                .contains("-XX:AOTCache=$AOT " + AotCache.use(aot).get(1))
                .contains("-XX:AOTCacheOutput=$AOT " + AotCache.record(aot).get(1));
    }
}
