package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code sluice ip-allowlist list|add|remove [--project P]}: the IP allowlist of an organization or a project. */
@Command(name = "ip-allowlist", mixinStandardHelpOptions = true,
        description = "Manage the IP allowlist of the organization or a project (admin API; empty = any address).",
        subcommands = {IpAllowlistCommand.ListEntries.class, IpAllowlistCommand.Add.class, IpAllowlistCommand.Remove.class})
final class IpAllowlistCommand extends AdminGroup {

    static AdminCommand.Table table(Iterable<JsonNode> entries) {
        AdminCommand.Table t = new AdminCommand.Table("ID", "CIDR", "ORGANIZATION", "PROJECT", "CREATED");
        for (JsonNode e : entries) {
            t.row(e.get("id").asText(), e.get("cidr").asText(), AdminCommand.text(e.get("organization_id")),
                    AdminCommand.text(e.get("project_id")), AdminCommand.time(e.get("created_at")));
        }
        return t;
    }

    static String base(String project) {
        return project == null ? "/v1/organization/ip_allowlist"
                : "/v1/organization/projects/" + AdminClient.enc(project) + "/ip_allowlist";
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the allowed CIDRs.")
    static final class ListEntries extends AdminCommand {
        @Option(names = "--project", paramLabel = "PROJECT_ID", description = "a project's list (default: the organization's)")
        String project;

        @Override
        void run(AdminClient c) {
            JsonNode all = c.getAll(base(project));
            print(all, table(all.get("data")));
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Allow a CIDR (10.0.0.0/8, 2001:db8::/32, one address).")
    static final class Add extends AdminCommand {
        @Option(names = "--project", paramLabel = "PROJECT_ID", description = "a project's list (default: the organization's)")
        String project;
        @Parameters(paramLabel = "CIDR")
        String cidr;

        @Override
        void run(AdminClient c) {
            JsonNode e = c.post(base(project), AdminClient.JSON.createObjectNode().put("cidr", cidr));
            print(e, table(List.of(e)));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an entry by its id.")
    static final class Remove extends AdminCommand {
        @Option(names = "--project", paramLabel = "PROJECT_ID", description = "a project's list (default: the organization's)")
        String project;
        @Parameters(paramLabel = "ENTRY_ID")
        String id;

        @Override
        void run(AdminClient c) {
            JsonNode r = c.delete(base(project) + "/" + AdminClient.enc(id));
            if (admin.json) print(r, null);
            else out().println("Removed " + r.get("id").asText() + ".");
        }
    }
}
