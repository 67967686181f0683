package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.math.BigDecimal;

/** {@code sluice budget get|set [--project P]}: spend, reservations, the monthly budget and credits of an owner. */
@Command(name = "budget", mixinStandardHelpOptions = true,
        description = "Show the spend and caps of the organization or a project, or set its monthly budget (admin API).",
        subcommands = {BudgetCommand.Get.class, BudgetCommand.Set.class})
final class BudgetCommand extends AdminGroup {

    static AdminCommand.Table table(JsonNode b) {
        String budget = usd(b.get("monthly_budget_usd"));
        if (!b.path("monthly_budget_source").isNull() && b.has("monthly_budget_source")) {
            budget += " (" + b.get("monthly_budget_source").asText() + ")";
        }
        return new AdminCommand.Table("OWNER", "MONTH", "BUDGET", "SPENT THIS MONTH", "LIFETIME", "RESERVED",
                "CREDITS", "CREDITS LEFT", "EXHAUSTED")
                .row(b.has("project_id") ? b.get("project_id").asText() : b.get("organization_id").asText(),
                        b.get("month").asText(), budget, usd(b.get("spend_this_month_usd")),
                        usd(b.get("lifetime_spend_usd")), usd(b.get("reserved_usd")), usd(b.get("credits_granted_usd")),
                        usd(b.get("credits_remaining_usd")), b.get("quota_exhausted").asBoolean() ? "yes" : "no");
    }

    /** "$12.5", or "-" for none. */
    static String usd(JsonNode n) {
        return n == null || n.isNull() ? "-" : "$" + n.decimalValue().stripTrailingZeros().toPlainString();
    }

    /** A USD amount given on the command line. */
    static BigDecimal amount(String s, String what) {
        try {
            return new BigDecimal(s.strip());
        } catch (NumberFormatException e) {
            throw new AdminClient.Failure(what + " must be an amount in USD like 25 or 12.50, not '" + s + "'");
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show spend, budget and credits.")
    static final class Get extends AdminCommand {
        @Mixin
        OwnerOptions owner;

        @Override
        void run(AdminClient c) {
            JsonNode b = c.get(owner.base(c, admin) + "/budget");
            print(b, table(b));
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Set the monthly budget in USD ('default': back to sluice.yaml's).")
    static final class Set extends AdminCommand {
        @Mixin
        OwnerOptions owner;
        @Parameters(paramLabel = "USD|default")
        String amount;

        @Override
        void run(AdminClient c) {
            ObjectNode body = AdminClient.JSON.createObjectNode();
            if (amount.equalsIgnoreCase("default")) body.putNull("monthly_budget_usd");
            else body.put("monthly_budget_usd", amount(amount, "the budget"));
            JsonNode b = c.post(owner.base(c, admin) + "/budget", body);
            print(b, table(b));
        }
    }
}
