package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code sluice region-policy get|set [--global]}: the countries an organization (or the installation) refuses. */
@Command(name = "region-policy", mixinStandardHelpOptions = true,
        description = "Show or replace the unsupported countries of the organization or, with --global, the installation (admin API).",
        subcommands = {RegionPolicyCommand.Get.class, RegionPolicyCommand.Set.class})
final class RegionPolicyCommand extends AdminGroup {

    static AdminCommand.Table table(JsonNode p) {
        List<String> codes = new ArrayList<>();
        p.path("unsupported_countries").forEach(n -> codes.add(n.asText()));
        return new AdminCommand.Table("SCOPE", "UNSUPPORTED COUNTRIES").row(
                p.has("organization_id") ? p.get("organization_id").asText() : "installation",
                codes.isEmpty() ? "(none)" : String.join(",", codes));
    }

    static String path(boolean global) {
        return global ? "/v1/region_policy" : "/v1/organization/region_policy";
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show the unsupported countries.")
    static final class Get extends AdminCommand {
        @Option(names = "--global", description = "the installation-wide list (default: the organization's)")
        boolean global;

        @Override
        void run(AdminClient c) {
            JsonNode p = c.get(path(global));
            print(p, table(p));
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Replace the unsupported countries (ISO 3166-1 alpha-2 codes; none clears the list).")
    static final class Set extends AdminCommand {
        @Option(names = "--global", description = "the installation-wide list (default: the organization's)")
        boolean global;
        @Parameters(paramLabel = "COUNTRY", arity = "0..*", description = "e.g. KP RU")
        List<String> countries;

        @Override
        void run(AdminClient c) {
            ObjectNode body = AdminClient.JSON.createObjectNode();
            var list = body.putArray("unsupported_countries");
            if (countries != null) countries.forEach(list::add);
            JsonNode p = c.post(path(global), body);
            print(p, table(p));
        }
    }
}
