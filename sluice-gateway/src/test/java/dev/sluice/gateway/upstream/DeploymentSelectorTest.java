package dev.sluice.gateway.upstream;

import dev.sluice.gateway.models.Deployment;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class DeploymentSelectorTest {
    static Deployment d(String name, int weight) {
        return new Deployment(name, "openai", "http://127.0.0.1:1/v1", null, null, weight);
    }

    @Test
    void unweightedDeploymentsKeepTheirListedOrder() {
        List<Deployment> ds = List.of(d("a", 0), d("b", 0), d("c", 0));
        DeploymentSelector s = new DeploymentSelector(new Random(1));
        for (int i = 0; i < 20; i++) assertThat(s.order(ds)).isEqualTo(ds);
    }

    @Test
    void weightedChoiceIsDeterministicForAGivenRandomSource() {
        List<Deployment> ds = List.of(d("a", 1), d("b", 1), d("c", 1));
        List<List<Deployment>> first = new java.util.ArrayList<>();
        DeploymentSelector s1 = new DeploymentSelector(new Random(42));
        DeploymentSelector s2 = new DeploymentSelector(new Random(42));
        for (int i = 0; i < 10; i++) {
            List<Deployment> o = s1.order(ds);
            first.add(o);
            assertThat(s2.order(ds)).isEqualTo(o);
        }
        assertThat(first).allSatisfy(o -> assertThat(o).containsExactlyInAnyOrderElementsOf(ds));
    }

    @Test
    void weightedFirstChoicesFollowTheWeights() {
        List<Deployment> ds = List.of(d("a", 3), d("b", 1));
        DeploymentSelector s = new DeploymentSelector(new Random(7));
        Map<String, Integer> firsts = new HashMap<>();
        for (int i = 0; i < 4000; i++) firsts.merge(s.order(ds).getFirst().name(), 1, Integer::sum);
        assertThat(firsts.get("a")).isBetween(2800, 3200);
        assertThat(firsts.get("b")).isBetween(800, 1200);
    }

    @Test
    void everyDeploymentAppearsOnceAsFailover() {
        List<Deployment> ds = List.of(d("a", 100), d("b", 1), d("c", 5));
        List<Deployment> o = new DeploymentSelector(new Random(3)).order(ds);
        assertThat(o).hasSize(3).containsExactlyInAnyOrderElementsOf(ds);
    }
}
