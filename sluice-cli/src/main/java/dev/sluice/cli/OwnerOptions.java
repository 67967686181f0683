package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Option;

/**
 * Whose limits, budget or credits a command is about: {@code --project P}, else the organization of {@code --org},
 * else the gateway's only organization. Resolves to the admin API base path of that owner.
 */
final class OwnerOptions {
    @Option(names = "--project", paramLabel = "PROJECT_ID", description = "a project (default: the organization)")
    String project;

    /** {@code /v1/organization/projects/{id}} or {@code /v1/organizations/{id}}. */
    String base(AdminClient c, AdminOptions admin) {
        if (project != null) return "/v1/organization/projects/" + AdminClient.enc(project);
        return "/v1/organizations/" + AdminClient.enc(organization(c, admin));
    }

    static String organization(AdminClient c, AdminOptions admin) {
        if (admin.org != null && !admin.org.isBlank()) return admin.org;
        JsonNode orgs = c.getAll("/v1/organizations").get("data");
        if (orgs.size() == 1) return orgs.get(0).get("id").asText();
        throw new AdminClient.Failure("the gateway has " + orgs.size() + " organizations: pass --org ORG_ID or "
                + "--project PROJECT_ID");
    }
}
