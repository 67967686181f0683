package dev.sluice.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Memory and descriptors of a child JVM: heap after a full GC (jcmd), RSS and open files (/proc). */
public final class ProcessStats {
    private static final Pattern USED = Pattern.compile("\\bused (\\d+)([KMG])\\b");
    private static final Pattern KB_FIELD = Pattern.compile("^(\\w+):\\s+(\\d+) kB", Pattern.MULTILINE);

    private ProcessStats() {
    }

    /** Heap in use, in bytes, from {@code jcmd <pid> GC.heap_info} (every collector's heap lines; not Metaspace). */
    public static OptionalLong heapUsed(String heapInfo) {
        long total = 0;
        boolean found = false;
        for (String line : heapInfo.split("\n")) {
            String t = line.strip();
            if (t.startsWith("Metaspace") || t.startsWith("class space")) continue;
            Matcher m = USED.matcher(t);
            if (m.find()) {
                long n = Long.parseLong(m.group(1));
                total += switch (m.group(2)) {
                    case "K" -> n << 10;
                    case "M" -> n << 20;
                    default -> n << 30;
                };
                found = true;
            }
        }
        return found ? OptionalLong.of(total) : OptionalLong.empty();
    }

    /** A {@code Name:  N kB} field of /proc/PID/status (VmRSS, VmHWM), in bytes. */
    public static OptionalLong statusField(String status, String name) {
        Matcher m = KB_FIELD.matcher(status);
        while (m.find()) {
            if (m.group(1).equals(name)) return OptionalLong.of(Long.parseLong(m.group(2)) * 1024);
        }
        return OptionalLong.empty();
    }

    /** The soft "Max open files" of /proc/PID/limits, or empty when unlimited or unreadable. */
    public static OptionalLong maxOpenFiles(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                if (f.length > 0 && f[0].matches("\\d+")) return OptionalLong.of(Long.parseLong(f[0]));
            }
        }
        return OptionalLong.empty();
    }

    /** Runs a full GC in {@code pid}, then reads its heap; empty when jcmd fails. */
    public static OptionalLong heapAfterFullGc(long pid) {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        if (run(List.of(jcmd, Long.toString(pid), "GC.run"), true) == null) return OptionalLong.empty();
        String info = run(List.of(jcmd, Long.toString(pid), "GC.heap_info"), true);
        return info == null ? OptionalLong.empty() : heapUsed(info);
    }

    public static OptionalLong rss(long pid) {
        return statusField(read("/proc/" + pid + "/status"), "VmRSS");
    }

    public static OptionalLong peakRss(long pid) {
        return statusField(read("/proc/" + pid + "/status"), "VmHWM");
    }

    public static OptionalLong maxOpenFiles(long pid) {
        return maxOpenFiles(read("/proc/" + pid + "/limits"));
    }

    public static OptionalLong openFiles(long pid) {
        String[] fds = new java.io.File("/proc/" + pid + "/fd").list();
        return fds == null ? OptionalLong.empty() : OptionalLong.of(fds.length);
    }

    /** CPU time (user + system) of this JVM alone, its children not included, in ns. */
    public static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /**
     * CPU time (user + system) of {@code pid} and every process below it, in nanoseconds, from /proc/PID/stat
     * (clock ticks of 10 ms); 0 when /proc cannot be read. nginx's workers are children of its master.
     */
    public static long treeCpuNanos(long pid) {
        java.util.Map<Long, List<Long>> children = new java.util.HashMap<>();
        java.util.Map<Long, Long> ticks = new java.util.HashMap<>();
        String[] procs = new java.io.File("/proc").list();
        if (procs == null) return 0;
        for (String name : procs) {
            if (!name.chars().allMatch(Character::isDigit)) continue;
            String[] f = statFields(read("/proc/" + name + "/stat"));
            if (f == null) continue;
            long self = Long.parseLong(name);
            children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>()).add(self);
            ticks.put(self, Long.parseLong(f[11]) + Long.parseLong(f[12]));
        }
        long total = 0;
        java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>(List.of(pid));
        while (!todo.isEmpty()) {
            long p = todo.pop();
            total += ticks.getOrDefault(p, 0L);
            todo.addAll(children.getOrDefault(p, List.of()));
        }
        return total * 10_000_000L;
    }

    /**
     * CPU time (user + system) of the JIT compiler threads of the JVM {@code pid} (HotSpot's {@code C1/C2
     * CompilerThread…}), in nanoseconds, from /proc/PID/task (clock ticks of 10 ms); 0 for a process that is not a JVM
     * (nginx) or cannot be read.
     */
    public static long compilerCpuNanos(long pid) {
        String[] tasks = new java.io.File("/proc/" + pid + "/task").list();
        if (tasks == null) return 0;
        long ticks = 0;
        for (String t : tasks) {
            ticks += compilerTicks(read("/proc/" + pid + "/task/" + t + "/comm"),
                    read("/proc/" + pid + "/task/" + t + "/stat"));
        }
        return ticks * 10_000_000L;
    }

    /** utime + stime of one thread from its {@code comm} and {@code stat}, when it is a JIT compiler thread; else 0. */
    static long compilerTicks(String comm, String stat) {
        String name = comm.strip();
        if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) return 0;
        String[] f = statFields(stat);
        return f == null ? 0 : Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * The fields of a /proc {@code stat} line after the command name, from the state on ({@code [1]} the parent pid,
     * {@code [11]} utime, {@code [12]} stime); null when the line is not one (empty, or too short).
     */
    private static String[] statFields(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 > stat.length()) return null;
        String[] f = stat.substring(close + 2).split(" ");
        return f.length < 13 ? null : f;
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            return "";
        }
    }

    /** Output of a short command, or null if it cannot start, takes over 30 s, or (when required) fails. */
    static String run(List<String> command, boolean requireSuccess) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || (requireSuccess && p.exitValue() != 0)) {
                p.destroyForcibly();
                return null;
            }
            return new String(out);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    public static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
    }
}
