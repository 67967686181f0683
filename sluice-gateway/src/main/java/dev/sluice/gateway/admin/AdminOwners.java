package dev.sluice.gateway.admin;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.Organizations;
import dev.sluice.gateway.store.Projects;
import dev.sluice.protocol.ErrorKind;

import java.time.Clock;

/** Existence checks for admin endpoints that act on an organization or project (404 not_found otherwise). Blocking. */
public final class AdminOwners {
    private final Organizations organizations;
    private final Projects projects;

    public AdminOwners(Database db, Clock clock) {
        this.organizations = new Organizations(db, clock);
        this.projects = new Projects(db, clock);
    }

    public void requireOrganization(String orgId) {
        if (organizations.find(orgId).isEmpty()) throw ApiException.of(ErrorKind.NOT_FOUND, "kind", "organization", "id", orgId);
    }

    public void requireProject(String projectId) {
        if (projects.find(projectId).isEmpty()) throw ApiException.of(ErrorKind.NOT_FOUND, "kind", "project", "id", projectId);
    }
}
