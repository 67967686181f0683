package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code sluice credits list|grant [--project P]}: prepaid credit grants of an organization or a project. */
@Command(name = "credits", mixinStandardHelpOptions = true,
        description = "List or add prepaid credit grants of the organization or a project (admin API).",
        subcommands = {CreditsCommand.ListGrants.class, CreditsCommand.Grant.class})
final class CreditsCommand extends AdminGroup {

    static AdminCommand.Table table(Iterable<JsonNode> grants) {
        AdminCommand.Table t = new AdminCommand.Table("ID", "OWNER", "AMOUNT", "NOTE", "CREATED");
        for (JsonNode g : grants) {
            t.row(g.get("id").asText(), g.has("project_id") ? g.get("project_id").asText() : g.get("organization_id").asText(),
                    BudgetCommand.usd(g.get("amount_usd")), AdminCommand.text(g.get("note")),
                    AdminCommand.time(g.get("created_at")));
        }
        return t;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the credit grants.")
    static final class ListGrants extends AdminCommand {
        @Mixin
        OwnerOptions owner;

        @Override
        void run(AdminClient c) {
            JsonNode all = c.get(owner.base(c, admin) + "/credit_grants");
            print(all, table(all.get("data")));
        }
    }

    @Command(name = "grant", mixinStandardHelpOptions = true, description = "Add prepaid credit (USD).")
    static final class Grant extends AdminCommand {
        @Mixin
        OwnerOptions owner;
        @Parameters(paramLabel = "USD")
        String amount;
        @Option(names = "--note", description = "why (kept with the grant)")
        String note;

        @Override
        void run(AdminClient c) {
            ObjectNode body = AdminClient.JSON.createObjectNode().put("amount_usd", BudgetCommand.amount(amount, "the amount"));
            if (note != null) body.put("note", note);
            JsonNode g = c.post(owner.base(c, admin) + "/credit_grants", body);
            print(g, table(List.of(g)));
        }
    }
}
