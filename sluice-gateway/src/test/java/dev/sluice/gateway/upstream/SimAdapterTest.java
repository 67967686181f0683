package dev.sluice.gateway.upstream;

import dev.sluice.gateway.models.Deployment;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SimAdapterTest {
    private final SimAdapter adapter = new SimAdapter();
    private final Deployment deployment = new Deployment("sim", "sim", null, null, null, 0);

    @Test
    void forwardsTheCallersFaultDirectives() {
        var r = adapter.request(deployment, "http://127.0.0.1:9/v1",
                Exchanges.chat("{\"model\":\"sim-mini\",\"messages\":[]}", false, "x-sluice-sim", "fail_times=2"),
                Map.of());
        assertThat(r.headers()).containsEntry("x-sluice-sim", "fail_times=2").doesNotContainKey("authorization");
        assertThat(r.body().toString()).isEqualTo("{\"model\":\"sim-mini\",\"messages\":[]}");
    }

    @Test
    void faultsTheCallerAskedForSayNothingAboutHealth() {
        assertThat(adapter.healthSignal(Exchanges.chat("{\"model\":\"m\"}", false, "x-sluice-sim", "status=503")))
                .isFalse();
        assertThat(adapter.healthSignal(Exchanges.chat("{\"model\":\"m\",\"metadata\":{\"sluice_sim\":\"hang\"}}",
                false))).isFalse();
        assertThat(adapter.healthSignal(Exchanges.chat("{\"model\":\"m\"}", false))).isTrue();
    }

    @Test
    void errorsInAnyShapeAreNormalised() {
        var e = adapter.error(404, "{\"detail\":\"The model 'x' does not exist\"}", "sim-mini", "sim");
        assertThat(e.error().code()).isEqualTo("model_not_found");
        assertThat(e.error().param()).isEqualTo("model");
        assertThat(adapter.error(503, "Service Unavailable", "sim-mini", "sim").error().code())
                .isEqualTo("upstream_unavailable");
    }
}
