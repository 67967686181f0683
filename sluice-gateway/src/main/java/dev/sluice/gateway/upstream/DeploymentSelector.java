package dev.sluice.gateway.upstream;

import dev.sluice.gateway.models.Deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The order in which one request tries a model's deployments. Unweighted (weight 0): the listed order, so the first
 * is primary and the rest are failover. Weighted: a draw in proportion to the weights without replacement, so load
 * spreads by weight and failover still reaches every deployment once. The random source is injected for tests.
 */
final class DeploymentSelector {
    private final RandomGenerator random;

    public DeploymentSelector(RandomGenerator random) {
        this.random = random;
    }

    public List<Deployment> order(List<Deployment> deployments) {
        if (deployments.size() <= 1 || deployments.getFirst().weight() <= 0) return deployments;
        List<Deployment> left = new ArrayList<>(deployments);
        List<Deployment> out = new ArrayList<>(deployments.size());
        while (!left.isEmpty()) {
            long total = 0;
            for (Deployment d : left) total += Math.max(1, d.weight());
            long ticket = random.nextLong(total);
            for (int i = 0; i < left.size(); i++) {
                ticket -= Math.max(1, left.get(i).weight());
                if (ticket < 0) {
                    out.add(left.remove(i));
                    break;
                }
            }
        }
        return out;
    }
}
