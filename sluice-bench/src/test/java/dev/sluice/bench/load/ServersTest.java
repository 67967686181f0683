package dev.sluice.bench.load;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ServersTest {

    @Test
    void sluiceStartsWithTheLaunchersHeapUnlessItsOwnOptionsSizeTheHeap() {
        assertThat(Servers.heapOpts("-Xms1024m", "")).containsExactly("-Xms1024m");
        assertThat(Servers.heapOpts("-Xms1024m", "-XX:+UseZGC")).containsExactly("-Xms1024m");
        assertThat(Servers.heapOpts("-Xms1024m", "-Xmx512m")).isEmpty();
        assertThat(Servers.heapOpts("-Xms1024m", "-XX:+UseZGC -XX:MaxRAMPercentage=50")).isEmpty();
        assertThat(Servers.heapOpts("-Xms1024m", "-XX:InitialHeapSize=2g")).isEmpty();
        assertThat(Servers.heapOpts("", "")).isEmpty();
    }
}
