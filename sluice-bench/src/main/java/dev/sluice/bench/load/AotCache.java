package dev.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

/**
 * The ahead-of-time cache {@code ./sluice serve} starts from on JDK 25 and newer (JEP 483/514/515): the file beside
 * the CLI jar, valid while it is newer than the jar and every jar of its class path. The harness starts Sluice the way
 * the launcher does, so its cold start is the product's.
 */
final class AotCache {
    private AotCache() {
    }

    /** The file the launcher keeps the cache in, for {@code cliJar} ({@code sluice-cli/target/sluice-cli.jar}). */
    static Path of(Path cliJar) {
        return cliJar.resolveSibling("sluice.aot");
    }

    /** Whether the JVM this harness runs (and starts Sluice with) can use an AOT cache. */
    static boolean supported() {
        return Runtime.version().feature() >= 25;
    }

    /** True when {@code aot} exists and no jar of {@code cliJar}'s class path ({@code lib/}) is newer than it. */
    static boolean fresh(Path aot, Path cliJar) throws IOException {
        if (!Files.isRegularFile(aot) || Files.size(aot) == 0) return false;
        FileTime made = Files.getLastModifiedTime(aot);
        if (Files.getLastModifiedTime(cliJar).compareTo(made) > 0) return false;
        Path lib = cliJar.resolveSibling("lib");
        if (!Files.isDirectory(lib)) return true;
        try (Stream<Path> jars = Files.list(lib)) {
            for (Path j : (Iterable<Path>) jars::iterator) {
                if (Files.getLastModifiedTime(j).compareTo(made) > 0) return false;
            }
        }
        return true;
    }

    /** JVM options that start from {@code aot}; its log quiet but for errors, as the launcher does. */
    static List<String> use(Path aot) {
        return List.of("-XX:AOTCache=" + aot, "-Xlog:aot*=error,cds*=error");
    }

    /** JVM options that record a cache into {@code aot}, written when the process exits. */
    static List<String> record(Path aot) {
        return List.of("-XX:AOTCacheOutput=" + aot, "-Xlog:aot*=error,cds*=error");
    }
}
