package dev.sluice.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code serve} prints once it listens: where the API and the admin port are, the demo key and admin token
 * when this start created them (shown once), and how to stop and reload. Its last line stays
 * {@code Sluice listening on <url>} for scripts that wait for it.
 */
final class Banner {
    private Banner() {}

    /** @param demoKey the generated demo key, or null; @param demoFromEnv the demo key is SLUICE_DEMO_KEY's */
    record Facts(String version, int port, int adminPort, String demoKey, boolean demoFromEnv, String demoOrg,
                 String demoProject, String adminToken, String adminTokenFile, long drainMs, boolean watching) {}

    static String render(Facts f) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"API", "http://127.0.0.1:" + f.port() + "/v1   (OpenAI-compatible)"});
        rows.add(new String[] {"Admin", "http://127.0.0.1:" + f.adminPort()
                + "   (/health/ready, /metrics, admin API under /v1)"});
        if (f.demoOrg() != null) {
            rows.add(new String[] {"Demo org", f.demoOrg() + ", project " + f.demoProject()});
            rows.add(new String[] {"Demo key", f.demoKey() != null
                    ? f.demoKey() + "   (shown once; set SLUICE_DEMO_KEY to choose your own)"
                    : "the value of SLUICE_DEMO_KEY"});
        }
        if (f.adminToken() != null) {
            rows.add(new String[] {"Admin token", f.adminToken() + "   (shown once; kept in " + f.adminTokenFile()
                    + "; set SLUICE_ADMIN_TOKEN to choose your own)"});
        }
        rows.add(new String[] {"Stop", "Ctrl-C or SIGTERM drains for up to " + seconds(f.drainMs())
                + " (again: stop at once)"});
        rows.add(new String[] {"Reload", "kill -HUP " + ProcessHandle.current().pid()
                + " or POST /v1/config/reload on the admin port" + (f.watching() ? " (also on file change)" : "")});
        StringBuilder sb = new StringBuilder();
        String name = f.version().isEmpty() ? "Sluice" : Character.toUpperCase(f.version().charAt(0))
                + f.version().substring(1);
        sb.append('\n').append("  ").append(name).append(" is ready").append('\n');
        for (String[] r : rows) sb.append("  ").append(String.format("%-12s", r[0])).append(r[1]).append('\n');
        sb.append('\n').append("Sluice listening on http://127.0.0.1:").append(f.port()).append('\n');
        return sb.toString();
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }
}
