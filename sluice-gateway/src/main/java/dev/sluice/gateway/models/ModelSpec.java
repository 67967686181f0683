package dev.sluice.gateway.models;

import java.util.List;

/** A model of the catalogue: limits are shared per {@code family}; prices are per 1M tokens. */
public record ModelSpec(String id, String family, Modality modality, int contextWindow, int maxOutputTokens,
                        String tokenizer, double inputPricePer1M, double outputPricePer1M,
                        List<Deployment> deployments, long created) {

    public ModelSpec {
        deployments = List.copyOf(deployments);
    }
}
