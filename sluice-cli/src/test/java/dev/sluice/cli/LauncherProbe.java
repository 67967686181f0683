package dev.sluice.cli;

import java.lang.management.ManagementFactory;

/**
 * Stands in for the gateway in {@link LauncherAotTest}: the only class of a jar put where the launcher looks for
 * {@code sluice-cli.jar}. Prints the JVM options it was started with, then, given {@code PROBE_WAIT_FOR}, stays up
 * until that file exists (at most two minutes).
 */
public final class LauncherProbe {
    private LauncherProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        String waitFor = System.getenv("PROBE_WAIT_FOR");
        System.out.println("PROBE-ARGS " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        System.out.flush();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (waitFor != null && !java.nio.file.Files.exists(java.nio.file.Path.of(waitFor))
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }
}
