package dev.sluice.gateway.console;

import dev.sluice.gateway.store.Database;
import dev.sluice.gateway.store.StorageSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The console's month view reads its days of the ledger through the organization index, never a scan of the table. */
class OverviewLedgerDaysTest {
    @TempDir
    Path tmp;

    @Test
    void theMonthViewReadsTheLedgerOrganizationByOrganizationThroughItsIndex() {
        try (Database db = Database.open(StorageSettings.sqlite(tmp).withPoolSize(1))) {
            List<String> plan = db.withConnection(c -> {
                List<String> out = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("EXPLAIN QUERY PLAN " + Overview.ledgerDays(StorageSettings.Kind.SQLITE))) {
                    for (int i = 1; i <= 3; i++) ps.setLong(i, 1_772_323_200_000L);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) out.add(rs.getString("detail"));
                    }
                }
                return out;
            });
            assertThat(plan).noneMatch(line -> line.matches("SCAN usage_ledger\\b.*"))
                    .anyMatch(line -> line.matches("SEARCH usage_ledger USING (COVERING )?INDEX usage_ledger_by_org_time "
                            + "\\(org_id=\\? AND created_at>\\? AND created_at<\\?\\)"));
        }
    }
}
