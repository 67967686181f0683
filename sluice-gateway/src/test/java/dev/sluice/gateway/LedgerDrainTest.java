package dev.sluice.gateway;

import dev.sluice.gateway.store.Backend;
import dev.sluice.gateway.store.BothBackends;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.Set;

import static dev.sluice.gateway.TestGateway.chat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Gateway.drain} writes the usage ledger out before it returns: with a flush interval and a batch size the
 * requests never reach, no row is in the database while the gateway serves, and after the drain every request has
 * exactly its one row — on SQLite and on the real PostgreSQL (127.0.0.1:5432, database {@code test}; never skipped).
 */
class LedgerDrainTest {
    @TempDir
    Path dir;

    @BothBackends
    void theDrainWritesEveryQueuedUsageRecordBeforeItReturns(Backend backend) throws Exception {
        // SQLite: the gateway's own data directory; PostgreSQL: a fresh schema (the password, if any, from the
        // environment variable Backend reads it from).
        String schema = backend.freshSettings(dir).schema();
        String storage = backend == Backend.SQLITE ? ""
                : "storage:\n  kind: postgres\n  url: " + Backend.PG_URL + "\n  user: " + Backend.PG_USER + "\n"
                + (Backend.PG_PASSWORD == null ? "" : "  password_env: SLUICE_TEST_PG_PASSWORD\n") + "  schema: " + schema + "\n";
        String yaml = storage + "quotas: {ledger_flush_ms: 600000, ledger_batch_size: 100000, ledger_queue_capacity: 100000}\n";
        try {
            Set<String> ids = new HashSet<>();
            try (TestGateway gw = TestGateway.builder(dir).config(yaml).start()) {
                for (int i = 0; i < 300; i++) {
                    HttpResponse<String> r = gw.post("/v1/chat/completions", chat("sim-mini", null));
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    ids.add(r.headers().firstValue("x-request-id").orElseThrow());
                }
                assertThat(ids).hasSize(300);
                try (Connection c = connect(backend, schema)) {
                    assertThat(ledgerIds(c)).as("nothing is written before the flush interval or the batch size").isEmpty();
                }
                assertThat(gw.gateway.drain()).isTrue();
            }
            try (Connection c = connect(backend, schema)) {
                assertThat(ledgerIds(c)).containsExactlyInAnyOrderElementsOf(ids);
                try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), MIN(status), MAX(status) FROM usage_ledger");
                     ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(300);
                    assertThat(rs.getInt(2)).isEqualTo(200);
                    assertThat(rs.getInt(3)).isEqualTo(200);
                }
            }
        } finally {
            if (backend == Backend.POSTGRES) Backend.dropSchema(schema);
        }
    }

    private Connection connect(Backend backend, String schema) throws Exception {
        if (backend == Backend.SQLITE) return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data").resolve("sluice.db"));
        Connection c = DriverManager.getConnection(Backend.PG_URL, Backend.PG_USER, Backend.PG_PASSWORD);
        c.setSchema(schema);
        return c;
    }

    private static Set<String> ledgerIds(Connection c) throws Exception {
        Set<String> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT request_id FROM usage_ledger"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) assertThat(out.add(rs.getString(1))).isTrue();
        }
        return out;
    }

}
