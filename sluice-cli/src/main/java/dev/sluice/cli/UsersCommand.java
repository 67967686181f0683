package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code sluice users list|add|get|set-role|remove}: the members of an organization. */
@Command(name = "users", mixinStandardHelpOptions = true, description = "Manage an organization's members (admin API).",
        subcommands = {UsersCommand.ListUsers.class, UsersCommand.Add.class, UsersCommand.Get.class,
                UsersCommand.SetRole.class, UsersCommand.Remove.class})
final class UsersCommand extends AdminGroup {

    static AdminCommand.Table table(Iterable<JsonNode> users) {
        AdminCommand.Table t = new AdminCommand.Table("ID", "EMAIL", "NAME", "ROLE", "ADDED");
        for (JsonNode u : users) {
            t.row(u.get("id").asText(), u.get("email").asText(), u.get("name").asText(), u.get("role").asText(),
                    AdminCommand.time(u.get("added_at")));
        }
        return t;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the organization's members.")
    static final class ListUsers extends AdminCommand {
        @Override
        void run(AdminClient c) {
            JsonNode all = c.getAll("/v1/organization/users");
            print(all, table(all.get("data")));
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a member (the user is created when the email is new).")
    static final class Add extends AdminCommand {
        @Parameters(paramLabel = "EMAIL")
        String email;
        @Option(names = "--name", description = "the user's name (needed for a new user)")
        String name;
        @Option(names = "--role", description = "owner or reader (default reader)")
        String role;

        @Override
        void run(AdminClient c) {
            ObjectNode body = AdminClient.JSON.createObjectNode().put("email", email);
            if (name != null) body.put("name", name);
            if (role != null) body.put("role", role);
            JsonNode u = c.post("/v1/organization/users", body);
            print(u, table(List.of(u)));
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one member.")
    static final class Get extends AdminCommand {
        @Parameters(paramLabel = "USER_ID")
        String id;

        @Override
        void run(AdminClient c) {
            JsonNode u = c.get("/v1/organization/users/" + AdminClient.enc(id));
            print(u, table(List.of(u)));
        }
    }

    @Command(name = "set-role", mixinStandardHelpOptions = true, description = "Change a member's role.")
    static final class SetRole extends AdminCommand {
        @Parameters(index = "0", paramLabel = "USER_ID")
        String id;
        @Parameters(index = "1", paramLabel = "ROLE", description = "owner or reader")
        String role;

        @Override
        void run(AdminClient c) {
            JsonNode u = c.post("/v1/organization/users/" + AdminClient.enc(id),
                    AdminClient.JSON.createObjectNode().put("role", role));
            print(u, table(List.of(u)));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a member; their keys stop working at once.")
    static final class Remove extends AdminCommand {
        @Parameters(paramLabel = "USER_ID")
        String id;

        @Override
        void run(AdminClient c) {
            JsonNode r = c.delete("/v1/organization/users/" + AdminClient.enc(id));
            if (admin.json) print(r, null);
            else out().println("Removed " + r.get("id").asText() + " from the organization.");
        }
    }
}
