package dev.sluice.gateway.models;

import java.util.List;

/**
 * A model of the catalogue: limits are shared per {@code family}; prices are per 1M tokens. {@code fallbacks} and
 * {@code contextWindowFallbacks} name other models of the catalogue (see {@code ModelFallback}).
 */
public record ModelSpec(String id, String family, Modality modality, int contextWindow, int maxOutputTokens,
                        String tokenizer, double inputPricePer1M, double outputPricePer1M,
                        List<Deployment> deployments, long created, List<String> fallbacks,
                        List<String> contextWindowFallbacks) {

    public ModelSpec {
        deployments = List.copyOf(deployments);
        fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
        contextWindowFallbacks = contextWindowFallbacks == null ? List.of() : List.copyOf(contextWindowFallbacks);
    }

    /** A model without fallbacks. */
    public ModelSpec(String id, String family, Modality modality, int contextWindow, int maxOutputTokens,
                     String tokenizer, double inputPricePer1M, double outputPricePer1M, List<Deployment> deployments,
                     long created) {
        this(id, family, modality, contextWindow, maxOutputTokens, tokenizer, inputPricePer1M, outputPricePer1M,
                deployments, created, List.of(), List.of());
    }
}
