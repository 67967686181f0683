package dev.sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command. {@code test} and building are the launcher script's; everything else is here. */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = Main.VERSION,
        description = "OpenAI-compatible LLM API gateway and its tools.",
        subcommands = {ServeCommand.class, SimCommand.class, ExplainCommand.class,
                OrgsCommand.class, ProjectsCommand.class, KeysCommand.class, UsersCommand.class,
                BatchesCommand.class,
                IpAllowlistCommand.class, RegionPolicyCommand.class, ModelAccessCommand.class,
                RateLimitsCommand.class, BudgetCommand.class, CreditsCommand.class})
public final class Main {
    static final String VERSION = "sluice 0.1.0";

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0 || args.length == 0 || !isServer(args[0])) System.exit(code);
    }

    private static boolean isServer(String cmd) {
        return cmd.equals("serve") || cmd.equals("sim");
    }
}
