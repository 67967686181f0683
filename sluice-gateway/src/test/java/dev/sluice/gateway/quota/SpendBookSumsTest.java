package dev.sluice.gateway.quota;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The running sums of {@link SpendBook} (reservations in flight, spend recorded since the last refresh): what is
 * reserved comes back when the request is recorded or released, a cap counts spend and reservations together, and a
 * refresh takes out exactly what the database already counts.
 */
class SpendBookSumsTest {
    private static final long MARCH = Instant.parse("2026-03-10T12:00:00Z").toEpochMilli();
    private final SpendBook book = new SpendBook(Clock.fixed(Instant.ofEpochMilli(MARCH), ZoneOffset.UTC));
    private final Owner org = Owner.org("org_a");
    private final Owner project = Owner.project("proj_a");

    @Test
    void reservationsAddUpPerOwnerAndEndWhenRecordedOrReleased() {
        assertThat(book.tryReserve("r1", org, project, 100, Quota.NONE, Quota.NONE)).isTrue();
        assertThat(book.tryReserve("r2", org, Owner.project("proj_b"), 30, Quota.NONE, Quota.NONE)).isTrue();
        assertThat(book.tryReserve("r3", org, project, 0, Quota.NONE, Quota.NONE)).isTrue();
        assertThat(book.reserved(org)).isEqualTo(130);
        assertThat(book.reserved(project)).isEqualTo(100);
        assertThat(book.inFlight()).isEqualTo(3);

        book.recorded("r1", org, project, 70, MARCH);
        book.release("r2");
        book.release("r2"); // a second release of the same request changes nothing
        book.release("r3");

        assertThat(book.reserved(org)).isZero();
        assertThat(book.reserved(project)).isZero();
        assertThat(book.inFlight()).isZero();
        assertThat(book.spent(org, SpendBook.ALL)).isEqualTo(70);
        assertThat(book.spent(project, "2026-03")).isEqualTo(70);
        assertThat(book.spent(Owner.project("proj_b"), SpendBook.ALL)).isZero();
    }

    @Test
    void aReservationOfNothingOutlivingItsOwnersSumLeavesTheNextSumAlone() {
        assertThat(book.tryReserve("r1", org, project, 100, Quota.NONE, Quota.NONE)).isTrue();
        assertThat(book.tryReserve("r2", org, project, 0, Quota.NONE, Quota.NONE)).isTrue();
        book.release("r1"); // the owners' sums come to 0 and go
        assertThat(book.tryReserve("r3", org, project, 10, Quota.NONE, Quota.NONE)).isTrue();
        book.release("r2");
        assertThat(book.reserved(org)).isEqualTo(10);
        assertThat(book.reserved(project)).isEqualTo(10);
        book.recorded("r3", org, project, 5, MARCH);
        assertThat(book.reserved(org)).isZero();
        assertThat(book.inFlight()).isZero();
    }

    @Test
    void aCapCountsSpendAndReservationsAndARefreshTakesOutWhatTheDatabaseHas() {
        Quota credits = new Quota(null, 100L);
        book.recorded("r0", org, project, 40, MARCH);
        assertThat(book.tryReserve("r1", org, project, 50, credits, Quota.NONE)).isTrue();
        // 40 spent + 50 reserved: below 100, admitted; then 40 + 100 reserved reaches it
        assertThat(book.tryReserve("r2", org, project, 50, credits, Quota.NONE)).isTrue();
        assertThat(book.tryReserve("r3", org, project, 1, credits, Quota.NONE)).isFalse();
        assertThat(book.reserved(org)).isEqualTo(100);

        book.recorded("r1", org, project, 20, MARCH);
        book.committed(Map.of(new SpendBook.Key(org, SpendBook.ALL), 40L));
        Map<SpendBook.Key, Long> taken = book.takeCommitted();
        book.rebase(Map.of(new SpendBook.Key(org, SpendBook.ALL), 45L), taken);

        // the database's 45 (40 committed + 5 of another gateway) + the 20 not committed yet
        assertThat(book.spent(org, SpendBook.ALL)).isEqualTo(65);
        assertThat(book.spent(org, "2026-03")).isEqualTo(60);
        assertThat(book.reserved(org)).isEqualTo(50);
        assertThat(book.tryReserve("r4", org, project, 1, credits, Quota.NONE)).isFalse();
        book.release("r2");
        assertThat(book.tryReserve("r4", org, project, 1, credits, Quota.NONE)).isTrue();
    }
}
