package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The shape of every admin subcommand: resolve the URL and token, make the calls, print a table (or the JSON with
 * {@code --json}); an admin error is printed as its message, code and request id, with exit status 1.
 */
abstract class AdminCommand implements Callable<Integer> {
    @Mixin
    AdminOptions admin;

    @Spec
    CommandSpec spec;

    /** The calls and the output of one command. */
    abstract void run(AdminClient client);

    @Override
    public Integer call() {
        try {
            run(new AdminClient(admin.adminUrl, admin.token(), admin.org));
            out().flush();
            return 0;
        } catch (AdminClient.ApiFailure e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("Error: " + e.getMessage());
            err.println("  status: " + e.status + (e.code == null ? "" : ", code: " + e.code)
                    + (e.param == null ? "" : ", param: " + e.param));
            if (e.requestId != null) err.println("  request id: " + e.requestId);
            err.flush();
            return 1;
        } catch (AdminClient.Failure e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("Error: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Prints {@code json} as is with {@code --json}, else the table {@code render} builds. */
    void print(JsonNode json, Table table) {
        if (admin.json) {
            try {
                out().println(AdminClient.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
            } catch (Exception e) {
                throw new AdminClient.Failure(e.getMessage());
            }
        } else {
            table.print(out());
        }
    }

    /** A Unix-seconds field as an ISO instant, or "-". */
    static String time(JsonNode seconds) {
        return seconds == null || seconds.isNull() ? "-" : Instant.ofEpochSecond(seconds.asLong()).toString();
    }

    static String text(JsonNode n) {
        return n == null || n.isNull() ? "-" : n.asText();
    }

    /** Column-aligned text output. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        Table row(String... cells) {
            rows.add(cells);
            return this;
        }

        void print(PrintWriter out) {
            int[] width = new int[rows.getFirst().length];
            for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
            for (String[] r : rows) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    if (i > 0) sb.append("  ");
                    sb.append(i == r.length - 1 ? r[i] : String.format("%-" + width[i] + "s", r[i]));
                }
                out.println(sb.toString().stripTrailing());
            }
            if (rows.size() == 1) out.println("(none)");
        }
    }
}
