package dev.sluice.cli;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the admin API is and how to authenticate to it; shared by every admin command. */
final class AdminOptions {
    @Option(names = "--admin-url", paramLabel = "URL", defaultValue = "${env:SLUICE_ADMIN_URL:-http://127.0.0.1:8081}",
            description = "admin API base URL (env SLUICE_ADMIN_URL, default ${DEFAULT-VALUE})")
    String adminUrl;

    @Option(names = "--admin-token", paramLabel = "TOKEN", defaultValue = "${env:SLUICE_ADMIN_TOKEN}",
            description = "admin token (env SLUICE_ADMIN_TOKEN; else the admin-token file in the data dir)")
    String adminToken;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:SLUICE_DATA_DIR:-./data}",
            description = "where to find the admin-token file (env SLUICE_DATA_DIR, default ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--json", description = "print the API's JSON instead of a table")
    boolean json;

    @Option(names = "--org", paramLabel = "ORG_ID",
            description = "the organization (sent as OpenAI-Organization; needed when there is more than one)")
    String org;

    /** The token: the flag or env var, else the file the gateway wrote at first start. */
    String token() {
        if (adminToken != null && !adminToken.isBlank()) return adminToken.strip();
        Path file = dataDir.resolve("admin-token");
        try {
            if (Files.isRegularFile(file)) return Files.readString(file).strip();
        } catch (IOException e) {
            throw new AdminClient.Failure("cannot read " + file + ": " + e.getMessage());
        }
        throw new AdminClient.Failure("no admin token: pass --admin-token, set SLUICE_ADMIN_TOKEN, or point --data-dir "
                + "at the gateway's data directory (looked for " + file + ")");
    }
}
