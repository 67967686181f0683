package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code sluice orgs list|create|get|rename}: the organizations of a (multi-organization) gateway. */
@Command(name = "orgs", mixinStandardHelpOptions = true, description = "Manage organizations (admin API).",
        subcommands = {OrgsCommand.ListOrgs.class, OrgsCommand.Create.class, OrgsCommand.Get.class,
                OrgsCommand.Rename.class})
final class OrgsCommand extends AdminGroup {

    static AdminCommand.Table table(Iterable<JsonNode> orgs) {
        AdminCommand.Table t = new AdminCommand.Table("ID", "NAME", "CREATED");
        for (JsonNode o : orgs) t.row(o.get("id").asText(), o.get("name").asText(), AdminCommand.time(o.get("created_at")));
        return t;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List organizations.")
    static final class ListOrgs extends AdminCommand {
        @Override
        void run(AdminClient c) {
            JsonNode all = c.getAll("/v1/organizations");
            print(all, table(all.get("data")));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an organization.")
    static final class Create extends AdminCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        void run(AdminClient c) {
            JsonNode o = c.post("/v1/organizations", AdminClient.JSON.createObjectNode().put("name", name));
            print(o, table(java.util.List.of(o)));
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one organization.")
    static final class Get extends AdminCommand {
        @Parameters(paramLabel = "ORG_ID")
        String id;

        @Override
        void run(AdminClient c) {
            JsonNode o = c.get("/v1/organizations/" + AdminClient.enc(id));
            print(o, table(java.util.List.of(o)));
        }
    }

    @Command(name = "rename", mixinStandardHelpOptions = true, description = "Rename an organization.")
    static final class Rename extends AdminCommand {
        @Parameters(index = "0", paramLabel = "ORG_ID")
        String id;
        @Parameters(index = "1", paramLabel = "NAME")
        String name;

        @Override
        void run(AdminClient c) {
            JsonNode o = c.post("/v1/organizations/" + AdminClient.enc(id), AdminClient.JSON.createObjectNode().put("name", name));
            print(o, table(java.util.List.of(o)));
        }
    }
}
