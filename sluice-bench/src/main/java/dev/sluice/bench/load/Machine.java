package dev.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What the numbers were measured on: cores, memory, CPU, JDK, load average, tool versions. */
public final class Machine {
    private Machine() {
    }

    public static String describe(Optional<String> wrkVersion, Optional<String> nginxVersion) {
        StringBuilder s = new StringBuilder();
        s.append(Runtime.getRuntime().availableProcessors()).append(" CPUs");
        cpuModel().ifPresent(m -> s.append(" (").append(m).append(')'));
        memTotal().ifPresent(m -> s.append(", ").append(m).append(" memory"));
        s.append(", JDK ").append(Runtime.version()).append(" (").append(System.getProperty("java.vendor")).append(')');
        s.append(", ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"));
        wrkVersion.ifPresent(v -> s.append(", ").append(v));
        nginxVersion.ifPresent(v -> s.append(", ").append(v));
        return s.toString();
    }

    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static Optional<String> cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> memTotal() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/meminfo"));
            return lines.stream().filter(l -> l.startsWith("MemTotal:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("\\D", "")))
                    .map(kb -> String.format(Locale.ROOT, "%.1f GiB", kb / 1048576.0));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
