package dev.sluice.bench.load;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

class ProcessStatsTest {
    private static final String G1 = """
            12345:
             garbage-first heap   total reserved 6291456K, committed 262144K, used 36102K [0x0000000680000000, 0x0000000800000000)
              region size 4096K, 1 young (4096K), 0 survivors (0K)
             Metaspace       used 30125K, committed 30592K, reserved 1114112K
              class space    used 3651K, committed 3840K, reserved 1048576K
            """;
    private static final String SERIAL = """
            12345:
             def new generation   total 78656K, used 10485K [0x00000000c0000000, 0x00000000c5550000, 0x00000000d5550000)
              eden space 69952K,  14% used [0x00000000c0000000, 0x00000000c0a3d4b8, 0x00000000c4450000)
             tenured generation   total 174784K, used 22222K [0x00000000d5550000, 0x00000000e0000000, 0x0000000100000000)
             Metaspace       used 12345K, committed 12800K, reserved 1114112K
            """;
    private static final String ZGC = """
            12345:
             ZHeap           used 50M, capacity 200M, max capacity 6144M
             Metaspace       used 30125K, committed 30592K, reserved 1114112K
            """;

    @ParameterizedTest
    @CsvSource({"G1, 36102", "SERIAL, 32707", "ZGC, 51200"})
    void theHeapInUseIsReadForEachCollectorWithoutMetaspace(String gc, long kib) {
        String text = switch (gc) {
            case "G1" -> G1;
            case "SERIAL" -> SERIAL;
            default -> ZGC;
        };
        assertThat(ProcessStats.heapUsed(text)).isEqualTo(OptionalLong.of(kib * 1024));
    }

    @Test
    void jcmdOutputWithoutAHeapIsNoFigure() {
        assertThat(ProcessStats.heapUsed("12345:\nCommand executed successfully\n")).isEmpty();
    }

    @Test
    void residentMemoryComesFromProcStatus() {
        String status = "Name:\tjava\nVmHWM:\t  401234 kB\nVmRSS:\t  262144 kB\nThreads:\t42\n";

        assertThat(ProcessStats.statusField(status, "VmRSS")).isEqualTo(OptionalLong.of(262_144L * 1024));
        assertThat(ProcessStats.statusField(status, "VmHWM")).isEqualTo(OptionalLong.of(401_234L * 1024));
        assertThat(ProcessStats.statusField(status, "VmSwap")).isEmpty();
    }

    @Test
    void theSoftOpenFilesLimitComesFromProcLimits() {
        String limits = """
                Limit                     Soft Limit           Hard Limit           Units
                Max processes             unlimited            unlimited            processes
                Max open files            20000                20000                files
                """;

        assertThat(ProcessStats.maxOpenFiles(limits)).isEqualTo(OptionalLong.of(20_000));
        assertThat(ProcessStats.maxOpenFiles("Max open files            unlimited            unlimited            files\n"))
                .isEmpty();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void thisProcessReportsItsOwnMemoryAndFiles() {
        long pid = ProcessHandle.current().pid();

        assertThat(ProcessStats.rss(pid)).isPresent();
        assertThat(ProcessStats.openFiles(pid).orElseThrow()).isPositive();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void aProcessTreeCpuTimeIncludesItsChildrenAndGrowsWithWork() throws Exception {
        long pid = ProcessHandle.current().pid();
        long before = ProcessStats.treeCpuNanos(pid);
        Process busy = new ProcessBuilder("sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sleep 2").start();
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (ProcessStats.treeCpuNanos(pid) - before < 100_000_000L && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(ProcessStats.treeCpuNanos(pid) - before)
                    .as("the child's busy loop counts in the parent's tree").isGreaterThanOrEqualTo(100_000_000L);
        } finally {
            busy.destroyForcibly().waitFor();
        }
        assertThat(ProcessStats.treeCpuNanos(-1)).isZero();
    }

    @Test
    void onlyTheJitCompilerThreadsCountAsCompiling() {
        String stat = "4242 (C2 CompilerThre) S 1 4242 4242 0 -1 4194368 60 0 0 0 731 12 0 0 20 0 30 0 2 0 0";

        assertThat(ProcessStats.compilerTicks("C2 CompilerThre\n", stat)).isEqualTo(743);
        assertThat(ProcessStats.compilerTicks("C1 CompilerThre\n", stat.replace("C2", "C1"))).isEqualTo(743);
        assertThat(ProcessStats.compilerTicks("vert.x-eventloo\n", stat.replace("C2 CompilerThre", "vert.x-eventloo")))
                .as("an event loop is not the compiler").isZero();
        assertThat(ProcessStats.compilerTicks("C2 CompilerThre\n", "")).isZero();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void thisJvmHasCompilerThreadsThatHaveWorkedAndAShellHasNone() throws Exception {
        long pid = ProcessHandle.current().pid();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (ProcessStats.compilerCpuNanos(pid) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(ProcessStats.compilerCpuNanos(pid)).as("this JVM compiled its tests").isPositive();
        Process sh = new ProcessBuilder("sleep", "5").start();
        try {
            assertThat(ProcessStats.compilerCpuNanos(sh.pid())).isZero();
        } finally {
            sh.destroyForcibly().waitFor();
        }
        assertThat(ProcessStats.compilerCpuNanos(-1)).isZero();
    }
}
