package dev.sluice.gateway;

import dev.sluice.gateway.config.SluiceConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The admin API's bearer token: {@code SLUICE_ADMIN_TOKEN} ({@code secrets.admin_token}), else the one kept in the
 * data dir, else one generated at this start and written there ({@code generated}: the CLI prints it once).
 * {@link #toString} never shows the value.
 */
record AdminToken(String value, boolean generated) {

    /** Start-up I/O: reads or writes {@code <data_dir>/admin-token} unless the config gives the token. */
    static AdminToken resolve(SluiceConfig cfg, Path dataDir) {
        if (cfg.secrets().adminToken() != null) return new AdminToken(cfg.secrets().adminToken(), false);
        Path file = dataDir.resolve("admin-token");
        try {
            if (Files.isRegularFile(file)) return new AdminToken(Files.readString(file).strip(), false);
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            String t = "sk-admin-" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            Files.createDirectories(dataDir);
            Files.writeString(file, t + "\n");
            try {
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            return new AdminToken(t, true);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the admin token under " + dataDir + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "AdminToken[" + (generated ? "generated" : "given") + "]";
    }
}
