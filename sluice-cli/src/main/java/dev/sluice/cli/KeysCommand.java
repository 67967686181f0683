package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * {@code sluice keys list|create|get|revoke --project P}: a project's API keys. {@code create} prints the secret
 * once; nothing else ever shows more than the redacted value.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage a project's API keys (admin API).",
        subcommands = {KeysCommand.ListKeys.class, KeysCommand.Create.class, KeysCommand.Get.class,
                KeysCommand.Revoke.class})
final class KeysCommand extends AdminGroup {

    static AdminCommand.Table table(Iterable<JsonNode> keys) {
        AdminCommand.Table t = new AdminCommand.Table("ID", "NAME", "KEY", "OWNER", "SCOPES", "EXPIRES", "STATUS");
        for (JsonNode k : keys) {
            JsonNode owner = k.get("owner");
            String who = owner == null || owner.isNull() ? "-" : owner.get("type").asText().equals("user")
                    ? owner.get("user").get("email").asText() : "service account " + owner.get("service_account").get("name").asText();
            List<String> scopes = new java.util.ArrayList<>();
            k.path("scopes").forEach(s -> scopes.add(s.asText()));
            t.row(k.get("id").asText(), k.get("name").asText(), k.get("redacted_value").asText(), who,
                    scopes.isEmpty() ? "all" : String.join(",", scopes), AdminCommand.time(k.get("expires_at")),
                    k.path("revoked_at").isNull() || k.path("revoked_at").isMissingNode() ? "active"
                            : "revoked " + AdminCommand.time(k.get("revoked_at")));
        }
        return t;
    }

    static String base(String project) {
        return "/v1/organization/projects/" + AdminClient.enc(project) + "/api_keys";
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a project's keys (redacted).")
    static final class ListKeys extends AdminCommand {
        @Option(names = "--project", required = true, paramLabel = "PROJECT_ID")
        String project;
        @Option(names = "--include-revoked", description = "also list revoked keys")
        boolean revoked;

        @Override
        void run(AdminClient c) {
            JsonNode all = c.getAll(base(project) + (revoked ? "?include_revoked=true" : ""));
            print(all, table(all.get("data")));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a key; its secret is printed once.")
    static final class Create extends AdminCommand {
        @Option(names = "--project", required = true, paramLabel = "PROJECT_ID")
        String project;
        @Option(names = "--name", required = true)
        String name;
        @Option(names = "--owner", paramLabel = "USER_ID", description = "the member who owns the key")
        String owner;
        @Option(names = "--scope", paramLabel = "SCOPE",
                description = "restrict the key (repeatable): model.request, model.read, api.read, api.write")
        List<String> scopes;
        @Option(names = "--expires-at", paramLabel = "INSTANT", description = "e.g. 2027-01-31T00:00:00Z")
        String expiresAt;

        @Override
        void run(AdminClient c) {
            ObjectNode body = AdminClient.JSON.createObjectNode().put("name", name);
            if (owner != null) body.put("owner_user_id", owner);
            if (scopes != null) scopes.forEach(body.putArray("scopes")::add);
            if (expiresAt != null) {
                try {
                    body.put("expires_at", Instant.parse(expiresAt).getEpochSecond());
                } catch (DateTimeParseException e) {
                    throw new AdminClient.Failure("--expires-at must be an ISO-8601 instant like 2027-01-31T00:00:00Z");
                }
            }
            JsonNode k = c.post(base(project), body);
            if (admin.json) {
                print(k, null);
                return;
            }
            table(List.of(k)).print(out());
            out().println();
            out().println("Secret (shown once, store it now): " + k.get("value").asText());
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one key (redacted).")
    static final class Get extends AdminCommand {
        @Option(names = "--project", required = true, paramLabel = "PROJECT_ID")
        String project;
        @Parameters(paramLabel = "KEY_ID")
        String id;

        @Override
        void run(AdminClient c) {
            JsonNode k = c.get(base(project) + "/" + AdminClient.enc(id));
            print(k, table(List.of(k)));
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key; it stops at once.")
    static final class Revoke extends AdminCommand {
        @Option(names = "--project", required = true, paramLabel = "PROJECT_ID")
        String project;
        @Parameters(paramLabel = "KEY_ID")
        String id;

        @Override
        void run(AdminClient c) {
            JsonNode r = c.delete(base(project) + "/" + AdminClient.enc(id));
            if (admin.json) print(r, null);
            else out().println("Revoked " + r.get("id").asText() + ".");
        }
    }
}
