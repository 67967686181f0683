package dev.sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** A command that only groups subcommands ({@code sluice keys}): without one it prints its usage and fails. */
abstract class AdminGroup implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: one of "
                + spec.subcommands().keySet().stream().filter(n -> !n.equals("help")).toList());
    }
}
