package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sluice rate-limits list|set [--project P]}: the limits in force per model family for an organization or a
 * project (its override, else the sluice.yaml default). {@code set} changes the limits given; {@code default} returns
 * one to the sluice.yaml default.
 */
@Command(name = "rate-limits", mixinStandardHelpOptions = true,
        description = "Show or change the rate limits of the organization or a project, per model family (admin API).",
        subcommands = {RateLimitsCommand.ListLimits.class, RateLimitsCommand.Set.class})
final class RateLimitsCommand extends AdminGroup {
    /** Column, admin API field. */
    static final Map<String, String> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("RPM", "max_requests_per_1_minute");
        FIELDS.put("RPD", "max_requests_per_1_day");
        FIELDS.put("TPM", "max_tokens_per_1_minute");
        FIELDS.put("TPD", "max_tokens_per_1_day");
        FIELDS.put("IPM", "max_images_per_1_minute");
        FIELDS.put("BATCH TPD", "batch_1_day_max_input_tokens");
    }

    static AdminCommand.Table table(Iterable<JsonNode> limits) {
        String[] header = new String[FIELDS.size() + 1];
        header[0] = "MODEL";
        int i = 1;
        for (String col : FIELDS.keySet()) header[i++] = col;
        AdminCommand.Table t = new AdminCommand.Table(header);
        for (JsonNode l : limits) {
            String[] row = new String[header.length];
            row[0] = l.get("model").asText();
            int j = 1;
            for (String field : FIELDS.values()) row[j++] = l.path(field).isNumber() ? l.get(field).asText() : "-";
            t.row(row);
        }
        return t;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the limits in force ('-' = none).")
    static final class ListLimits extends AdminCommand {
        @Mixin
        OwnerOptions owner;

        @Override
        void run(AdminClient c) {
            JsonNode all = c.getAll(owner.base(c, admin) + "/rate_limits");
            print(all, table(all.get("data")));
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Change limits of one model family: a number sets an override, 'default' returns to sluice.yaml's.")
    static final class Set extends AdminCommand {
        @Mixin
        OwnerOptions owner;
        @Parameters(paramLabel = "MODEL_FAMILY", description = "e.g. sim-mini (or its id rl-sim-mini)")
        String family;
        @Option(names = "--rpm", paramLabel = "N|default") String rpm;
        @Option(names = "--rpd", paramLabel = "N|default") String rpd;
        @Option(names = "--tpm", paramLabel = "N|default") String tpm;
        @Option(names = "--tpd", paramLabel = "N|default") String tpd;
        @Option(names = "--ipm", paramLabel = "N|default") String ipm;
        @Option(names = "--batch-tpd", paramLabel = "N|default", description = "batch input tokens per day")
        String batchTpd;

        @Override
        void run(AdminClient c) {
            ObjectNode body = AdminClient.JSON.createObjectNode();
            String[] values = {rpm, rpd, tpm, tpd, ipm, batchTpd};
            String[] flags = {"--rpm", "--rpd", "--tpm", "--tpd", "--ipm", "--batch-tpd"};
            int i = 0;
            for (String field : FIELDS.values()) {
                String v = values[i];
                String flag = flags[i++];
                if (v == null) continue;
                if (v.equalsIgnoreCase("default")) {
                    body.putNull(field);
                } else {
                    try {
                        body.put(field, Long.parseLong(v.strip().replace("_", "")));
                    } catch (NumberFormatException e) {
                        throw new AdminClient.Failure(flag + " must be a whole number or 'default', not '" + v + "'");
                    }
                }
            }
            if (body.isEmpty()) throw new AdminClient.Failure("give at least one of " + String.join(", ", flags));
            String id = family.startsWith("rl-") ? family : "rl-" + family;
            JsonNode l = c.post(owner.base(c, admin) + "/rate_limits/" + AdminClient.enc(id), body);
            print(l, table(List.of(l)));
        }
    }
}
