package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code sluice model-access get|set [--project P]}: an organization's tier ({@code visible_models}) and the allowed
 * models of the organization or a project. A list given replaces the stored one; an empty list lifts the restriction.
 */
@Command(name = "model-access", mixinStandardHelpOptions = true,
        description = "Show or replace the visible and allowed models of the organization or a project (admin API).",
        subcommands = {ModelAccessCommand.Get.class, ModelAccessCommand.Set.class})
final class ModelAccessCommand extends AdminGroup {

    static AdminCommand.Table table(JsonNode m) {
        AdminCommand.Table t = new AdminCommand.Table("SCOPE", "VISIBLE MODELS", "ALLOWED MODELS");
        return t.row(m.has("project_id") ? m.get("project_id").asText() : m.get("organization_id").asText(),
                m.has("visible_models") ? list(m.get("visible_models")) : "-", list(m.get("allowed_models")));
    }

    private static String list(JsonNode a) {
        List<String> l = new ArrayList<>();
        a.forEach(n -> l.add(n.asText()));
        return l.isEmpty() ? "(any)" : String.join(",", l);
    }

    static String path(String project) {
        return project == null ? "/v1/organization/model_access"
                : "/v1/organization/projects/" + AdminClient.enc(project) + "/model_access";
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show the visible and allowed models.")
    static final class Get extends AdminCommand {
        @Option(names = "--project", paramLabel = "PROJECT_ID", description = "a project (default: the organization)")
        String project;

        @Override
        void run(AdminClient c) {
            JsonNode m = c.get(path(project));
            print(m, table(m));
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Replace the lists given (comma-separated models; an empty value, --allowed=, lifts the restriction).")
    static final class Set extends AdminCommand {
        @Option(names = "--project", paramLabel = "PROJECT_ID", description = "a project (default: the organization)")
        String project;
        @Option(names = "--visible", paramLabel = "MODELS", description = "the organization's tier: the models it can see at all")
        String visible;
        @Option(names = "--allowed", paramLabel = "MODELS", description = "the models its requests may use")
        String allowed;

        @Override
        void run(AdminClient c) {
            if (visible == null && allowed == null) throw new AdminClient.Failure("give --allowed and/or --visible");
            if (visible != null && project != null) {
                throw new AdminClient.Failure("--visible is the organization's tier; a project has only --allowed");
            }
            ObjectNode body = AdminClient.JSON.createObjectNode();
            if (visible != null) split(visible).forEach(body.putArray("visible_models")::add);
            if (allowed != null) split(allowed).forEach(body.putArray("allowed_models")::add);
            JsonNode m = c.post(path(project), body);
            print(m, table(m));
        }

        private static List<String> split(String s) {
            List<String> out = new ArrayList<>();
            for (String p : s.split(",")) if (!p.isBlank()) out.add(p.strip());
            return out;
        }
    }
}
