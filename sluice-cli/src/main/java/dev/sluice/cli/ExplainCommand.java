package dev.sluice.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Explains an error from the shared catalogue: a status code, an error body, or a saved response with headers. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Explain an API error: give a status code (429), an error JSON body, or a file with a saved "
                + "response (curl -i output); '-' or nothing reads stdin.")
final class ExplainCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "STATUS|FILE|-")
    String input;

    @Override
    public Integer call() throws IOException {
        String text;
        if (input == null || input.equals("-")) {
            text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        } else if (input.matches("\\d{3}")) {
            text = input;
        } else if (Files.isRegularFile(Path.of(input))) {
            text = Files.readString(Path.of(input));
        } else {
            text = input;
        }
        System.out.print(dev.sluice.client.explain.Explainer.explain(text));
        return 0;
    }
}
