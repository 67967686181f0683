package dev.sluice.sim.internal;

/** What the fault stage needs to know about a parsed request, whatever its endpoint. */
public interface SimCall {
    /** The model id, or null for routes without one. */
    String modelId();

    boolean stream();
}
