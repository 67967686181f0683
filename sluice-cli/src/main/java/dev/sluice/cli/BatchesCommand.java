package dev.sluice.cli;

import com.fasterxml.jackson.databind.ObjectWriter;
import dev.sluice.client.ApiConnectionException;
import dev.sluice.client.ApiStatusException;
import dev.sluice.client.SluiceClient;
import dev.sluice.protocol.wire.Batch;
import dev.sluice.protocol.wire.ListPage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sluice batches watch|list|get|cancel}: the Batch API from the shell, with any API key of the project.
 * {@code watch} polls a batch and draws a progress bar (done / failed / total, rate, ETA) until it ends.
 */
@Command(name = "batches", mixinStandardHelpOptions = true,
        description = "Batch API: watch a batch's progress, list, get or cancel batches.",
        subcommands = {BatchesCommand.Watch.class, BatchesCommand.ListBatches.class, BatchesCommand.Get.class,
                BatchesCommand.Cancel.class})
final class BatchesCommand implements Runnable {
    /** Printing only: the CLI's one mapper ({@link AdminClient#JSON}) with indented output. */
    static final ObjectWriter PRETTY = AdminClient.JSON.writerWithDefaultPrettyPrinter();
    /** Exit status of {@code watch} when the batch ends failed, expired or cancelled. */
    static final int NOT_COMPLETED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Where the API is and the key to call it with. */
    static final class Api {
        @Option(names = "--api-key", description = "API key (default: env OPENAI_API_KEY, then SLUICE_API_KEY)")
        String apiKey;
        @Option(names = "--base-url", defaultValue = "http://127.0.0.1:8080/v1",
                description = "the gateway's API base URL (default: ${DEFAULT-VALUE})")
        String baseUrl;

        SluiceClient client() {
            return SluiceClient.builder().baseUrl(baseUrl).apiKey(key(System.getenv())).build();
        }

        String key(Map<String, String> env) {
            if (apiKey != null && !apiKey.isBlank()) return apiKey;
            for (String name : new String[] {"OPENAI_API_KEY", "SLUICE_API_KEY"}) {
                String v = env.get(name);
                if (v != null && !v.isBlank()) return v;
            }
            return null;
        }
    }

    /** Runs {@code work}, turning API and connection failures into one line on stderr and exit status 1. */
    static int guarded(Api api, Callable<Integer> work) {
        try {
            return work.call();
        } catch (ApiStatusException e) {
            System.err.println("sluice: " + e.status() + (e.code() == null ? "" : " " + e.code()) + ": "
                    + e.error().map(x -> x.message()).orElse(e.getMessage()));
            return 1;
        } catch (ApiConnectionException e) {
            System.err.println("sluice: cannot reach " + api.baseUrl + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("sluice: " + e.getMessage());
            return 1;
        }
    }

    static void printJson(Object value) throws Exception {
        System.out.println(PRETTY.writeValueAsString(value));
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = "Poll a batch and show a live progress bar until it is completed, failed, expired or "
                    + "cancelled. Exit status 0 when completed, 3 when it ended otherwise, 1 on errors.")
    static final class Watch implements Callable<Integer> {
        @Mixin
        Api api;
        @Parameters(paramLabel = "BATCH_ID")
        String id;
        @Option(names = "--interval", defaultValue = "1", description = "seconds between polls (default: 1)")
        double interval;
        @Option(names = "--json", description = "print the final batch object as JSON instead of a summary")
        boolean json;

        @Override
        public Integer call() {
            return guarded(api, () -> {
                try (SluiceClient client = api.client()) {
                    PrintStream out = System.out;
                    boolean tty = System.console() != null;
                    ProgressBar bar = new ProgressBar();
                    Batch b = client.batches().retrieve(id);
                    String last = null;
                    while (true) {
                        String line = bar.render(b, System.nanoTime());
                        if (!line.equals(last)) {
                            out.print(tty ? "\r" + line : line + System.lineSeparator());
                            out.flush();
                            last = line;
                        }
                        if (b.isTerminal()) break;
                        Thread.sleep(Duration.ofMillis((long) (interval * 1000)));
                        b = client.batches().retrieve(id);
                    }
                    if (tty) out.println();
                    if (json) printJson(b);
                    else out.println(ProgressBar.summary(b));
                    return "completed".equals(b.status()) ? 0 : NOT_COMPLETED;
                }
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the project's batches, newest first.")
    static final class ListBatches implements Callable<Integer> {
        @Mixin
        Api api;
        @Option(names = "--json", description = "print the list object as JSON")
        boolean json;

        @Override
        public Integer call() {
            return guarded(api, () -> {
                try (SluiceClient client = api.client()) {
                    ListPage<Batch> page = client.batches().list();
                    if (json) {
                        printJson(page);
                        return 0;
                    }
                    for (Batch b : page.data()) {
                        Batch.RequestCounts c = b.requestCounts();
                        System.out.printf("%-34s %-11s %6d/%-6d failed %-6d %s%n", b.id(), b.status(),
                                c == null ? 0 : c.completed() + c.failed(), c == null ? 0 : c.total(),
                                c == null ? 0 : c.failed(), b.endpoint());
                    }
                    return 0;
                }
            });
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a batch object as JSON.")
    static final class Get implements Callable<Integer> {
        @Mixin
        Api api;
        @Parameters(paramLabel = "BATCH_ID")
        String id;

        @Override
        public Integer call() {
            return guarded(api, () -> {
                try (SluiceClient client = api.client()) {
                    printJson(client.batches().retrieve(id));
                    return 0;
                }
            });
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a batch: lines in flight finish, the rest are not run (batch_cancelled).")
    static final class Cancel implements Callable<Integer> {
        @Mixin
        Api api;
        @Parameters(paramLabel = "BATCH_ID")
        String id;

        @Override
        public Integer call() {
            return guarded(api, () -> {
                try (SluiceClient client = api.client()) {
                    Batch b = client.batches().cancel(id);
                    System.out.println(b.id() + " " + b.status());
                    return 0;
                }
            });
        }
    }
}
