package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code sluice projects list|create|get|rename|archive}: an organization's projects. */
@Command(name = "projects", mixinStandardHelpOptions = true, description = "Manage projects (admin API).",
        subcommands = {ProjectsCommand.ListProjects.class, ProjectsCommand.Create.class, ProjectsCommand.Get.class,
                ProjectsCommand.Rename.class, ProjectsCommand.Archive.class})
final class ProjectsCommand extends AdminGroup {

    static AdminCommand.Table table(Iterable<JsonNode> projects) {
        AdminCommand.Table t = new AdminCommand.Table("ID", "NAME", "STATUS", "ORGANIZATION", "CREATED");
        for (JsonNode p : projects) {
            t.row(p.get("id").asText(), p.get("name").asText(), p.get("status").asText(),
                    AdminCommand.text(p.get("organization_id")), AdminCommand.time(p.get("created_at")));
        }
        return t;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the organization's projects.")
    static final class ListProjects extends AdminCommand {
        @Option(names = "--include-archived", description = "also list archived projects")
        boolean archived;

        @Override
        void run(AdminClient c) {
            JsonNode all = c.getAll("/v1/organization/projects" + (archived ? "?include_archived=true" : ""));
            print(all, table(all.get("data")));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a project.")
    static final class Create extends AdminCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        void run(AdminClient c) {
            JsonNode p = c.post("/v1/organization/projects", AdminClient.JSON.createObjectNode().put("name", name));
            print(p, table(List.of(p)));
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one project.")
    static final class Get extends AdminCommand {
        @Parameters(paramLabel = "PROJECT_ID")
        String id;

        @Override
        void run(AdminClient c) {
            JsonNode p = c.get("/v1/organization/projects/" + AdminClient.enc(id));
            print(p, table(List.of(p)));
        }
    }

    @Command(name = "rename", mixinStandardHelpOptions = true, description = "Rename a project.")
    static final class Rename extends AdminCommand {
        @Parameters(index = "0", paramLabel = "PROJECT_ID")
        String id;
        @Parameters(index = "1", paramLabel = "NAME")
        String name;

        @Override
        void run(AdminClient c) {
            JsonNode p = c.post("/v1/organization/projects/" + AdminClient.enc(id),
                    AdminClient.JSON.createObjectNode().put("name", name));
            print(p, table(List.of(p)));
        }
    }

    @Command(name = "archive", mixinStandardHelpOptions = true,
            description = "Archive a project: its keys stop working at once.")
    static final class Archive extends AdminCommand {
        @Parameters(paramLabel = "PROJECT_ID")
        String id;

        @Override
        void run(AdminClient c) {
            JsonNode p = c.post("/v1/organization/projects/" + AdminClient.enc(id) + "/archive", null);
            print(p, table(List.of(p)));
        }
    }
}
