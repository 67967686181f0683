package dev.sluice.gateway.observability;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the {@code project} label: projects on the allow-list always keep their id; up to {@code max} others get
 * theirs on first sight; every later project is {@link #OTHER}. So 10,000 projects make at most
 * {@code allow + max + 1} label values, never one series per project or key.
 */
public final class ProjectLabels {
    public static final String OTHER = "other";

    private final Set<String> allow;
    private final int max;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger taken = new AtomicInteger();

    public ProjectLabels(Collection<String> allow, int max) {
        this.allow = Set.copyOf(allow);
        this.max = max;
    }

    public static ProjectLabels capped(int max) {
        return new ProjectLabels(Set.of(), max);
    }

    /** The label value for {@code projectId}. */
    public String label(String projectId) {
        if (allow.contains(projectId) || admitted.contains(projectId)) return projectId;
        if (taken.get() >= max) return OTHER;
        if (taken.incrementAndGet() > max) return OTHER;
        admitted.add(projectId);
        return projectId;
    }
}
