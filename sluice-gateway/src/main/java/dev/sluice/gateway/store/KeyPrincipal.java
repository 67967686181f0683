package dev.sluice.gateway.store;

/**
 * Everything key authentication needs, read in one query: the key, its project's status, and whether its owner
 * still belongs to the key's organization. Decisions (revoked, expired, no organization, archived) are the
 * caller's, against its own clock.
 *
 * @param ownerIsMember true when the owner user is a member of the key's organization, or the key has no user owner
 *                      (service-account and declared keys); false is the "must be a member of an organization" 401
 */
public record KeyPrincipal(ApiKey key, Project.Status projectStatus, boolean ownerIsMember) {

    public String orgId() {
        return key.orgId();
    }

    public String projectId() {
        return key.projectId();
    }

    public boolean projectArchived() {
        return projectStatus == Project.Status.ARCHIVED;
    }
}
