package dev.sluice.sim;

import java.util.List;
import java.util.Optional;

/** The simulator's fixed catalogue; the gateway's embedded default config lists the same models. */
public final class SimModels {
    public static final SimModel SIM_MINI = new SimModel("sim-mini", SimModel.Kind.CHAT, 16_384, 4_096, "o200k_base");
    public static final SimModel SIM_LARGE =
            new SimModel("sim-large", SimModel.Kind.CHAT, 128_000, 16_384, "o200k_base");
    public static final SimModel SIM_EMBED =
            new SimModel("sim-embed", SimModel.Kind.EMBEDDINGS, 8_191, 0, "cl100k_base");
    public static final SimModel SIM_IMAGE = new SimModel("sim-image", SimModel.Kind.IMAGES, 0, 0, "o200k_base");

    /** {@code owned_by} of every model object. */
    public static final String OWNED_BY = "sluice-sim";
    /** {@code created} of every model object (2025-01-01T00:00:00Z), fixed so listings are reproducible. */
    public static final long CREATED = 1_735_689_600L;

    private static final List<SimModel> ALL = List.of(SIM_MINI, SIM_LARGE, SIM_EMBED, SIM_IMAGE);

    private SimModels() {}

    public static List<SimModel> all() {
        return ALL;
    }

    public static Optional<SimModel> find(String id) {
        for (SimModel m : ALL) {
            if (m.id().equals(id)) return Optional.of(m);
        }
        return Optional.empty();
    }
}
