package dev.sluice.gateway.store;

import java.time.Instant;

/** A non-human member of one project; its keys ({@code sk-svcacct-…}) do not depend on anyone's membership. */
public record ServiceAccount(String id, String projectId, String name, Instant createdAt, Instant deletedAt) {

    public ServiceAccount(String id, String projectId, String name, Instant createdAt) {
        this(id, projectId, name, createdAt, null);
    }

    public boolean isDeleted() {
        return deletedAt != null;
    }
}
