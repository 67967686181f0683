package dev.sluice.gateway.store;

import dev.sluice.testing.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

class AccessModelTest {

    @TempDir
    Path tmp;

    private final FakeTime clock = FakeTime.at("2026-03-01T10:00:00Z");

    private static void assertReason(Runnable action, StoreException.Reason reason) {
        assertThatThrownBy(action::run).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @BothBackends
    void organizationsUsersAndProjectsRoundTripWithPrefixedIds(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore store = new AccessStore(t.db(), clock);
            assertThat(store.organizations().isEmpty()).isTrue();

            Organization org = store.organizations().create("Acme");
            User user = store.users().create("  Ada@Example.COM ", "Ada");
            Project project = store.projects().create(org.id(), "Chatbot");

            assertThat(org.id()).matches("org_[A-Za-z0-9]{24}");
            assertThat(user.id()).startsWith("user_");
            assertThat(project.id()).startsWith("proj_");
            assertThat(user.email()).isEqualTo("ada@example.com");
            assertThat(store.organizations().isEmpty()).isFalse();
            assertThat(store.organizations().list()).containsExactly(org);
            assertThat(store.users().find(user.id())).contains(user);
            assertThat(store.users().findByEmail("ADA@example.com")).contains(user);
            assertThat(store.users().list()).containsExactly(user);
            assertThat(store.projects().find(project.id())).contains(project);
            assertThat(store.projects().listByOrg(org.id())).containsExactly(project);
            assertThat(project.status()).isEqualTo(Project.Status.ACTIVE);
        }
    }

    @BothBackends
    void anEmailIsTakenWhateverItsCase(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            Users users = new Users(t.db(), clock);
            users.create("ada@example.com", "Ada");

            assertReason(() -> users.create("ADA@example.com", "Other Ada"), StoreException.Reason.CONFLICT);
        }
    }

    @BothBackends
    void membershipsCanBeAddedChangedAndRemovedButNotDuplicated(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore store = new AccessStore(t.db(), clock);
            Organization org = store.organizations().create("Acme");
            User ada = store.users().create("ada@example.com", "Ada");
            User bob = store.users().create("bob@example.com", "Bob");

            store.organizations().addMember(org.id(), ada.id(), Membership.Role.OWNER);
            clock.advance(Duration.ofSeconds(1));
            store.organizations().addMember(org.id(), bob.id(), Membership.Role.READER);

            assertReason(() -> store.organizations().addMember(org.id(), bob.id(), Membership.Role.OWNER),
                    StoreException.Reason.CONFLICT);
            assertReason(() -> store.organizations().addMember("org_missing", bob.id(), Membership.Role.OWNER),
                    StoreException.Reason.MISSING_REFERENCE);
            assertThat(store.organizations().members(org.id()))
                    .extracting(Membership::userId, Membership::role)
                    .containsExactly(tuple(ada.id(), Membership.Role.OWNER),
                            tuple(bob.id(), Membership.Role.READER));

            assertThat(store.organizations().setRole(org.id(), bob.id(), Membership.Role.OWNER)).isTrue();
            assertThat(store.organizations().membership(org.id(), bob.id()).orElseThrow().role())
                    .isEqualTo(Membership.Role.OWNER);
            assertThat(store.organizations().removeMember(org.id(), bob.id())).isTrue();
            assertThat(store.organizations().removeMember(org.id(), bob.id())).isFalse();
            assertThat(store.organizations().membership(org.id(), bob.id())).isEmpty();
        }
    }

    @BothBackends
    void aProjectOrServiceAccountNeedsAnExistingParent(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore store = new AccessStore(t.db(), clock);

            assertReason(() -> store.projects().create("org_missing", "P"), StoreException.Reason.MISSING_REFERENCE);
            assertReason(() -> store.serviceAccounts().create("proj_missing", "bot"), StoreException.Reason.MISSING_REFERENCE);
        }
    }

    @BothBackends
    void archivingAProjectRecordsWhenAndHappensOnce(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore store = new AccessStore(t.db(), clock);
            Project project = store.projects().create(store.organizations().create("Acme").id(), "P");
            clock.advance(Duration.ofDays(3));

            assertThat(store.projects().archive(project.id())).isTrue();
            clock.advance(Duration.ofDays(1));
            assertThat(store.projects().archive(project.id())).isFalse();

            Project archived = store.projects().find(project.id()).orElseThrow();
            assertThat(archived.status()).isEqualTo(Project.Status.ARCHIVED);
            assertThat(archived.archivedAt()).isEqualTo(Instant.parse("2026-03-04T10:00:00Z"));
        }
    }

    @BothBackends
    void theAuditLogKeepsEntriesNewestFirstWithJsonDetailAndMasksAnythingLikeASecret(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AuditLog audit = new AuditLog(t.db(), clock);
            String leaked = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL";
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("name", "ci");
            detail.put("oops", leaked);

            AuditEntry first = audit.record("admin", "key.create", "key_1", detail);
            clock.advance(Duration.ofSeconds(1));
            AuditEntry second = audit.record("admin", "key.revoke", "key_1", null);
            audit.record("admin", "org.create", "org_1", Map.of());

            assertThat(second.id()).isGreaterThan(first.id());
            assertThat(first.detailJson()).startsWith("{\"name\":\"ci\",\"oops\":\"sk-proj-abcde*").doesNotContain(leaked);
            assertThat(second.detailJson()).isEqualTo("{}");
            List<AuditEntry> forKey = audit.forTarget("key_1", 10);
            assertThat(forKey).containsExactly(second, first);
            assertThat(audit.recent(2)).extracting(AuditEntry::action).containsExactly("org.create", "key.revoke");
            assertThat(t.allValues("audit_log")).noneMatch(v -> v.contains(leaked));
        }
    }

    @BothBackends
    void settingsLetTheFirstWriterWinUnlessOverwritten(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            Settings settings = new Settings(t.db(), clock);

            assertThat(settings.get("admin.token_hash")).isEmpty();
            assertThat(settings.putIfAbsent("admin.token_hash", "a")).isTrue();
            assertThat(settings.putIfAbsent("admin.token_hash", "b")).isFalse();
            assertThat(settings.get("admin.token_hash")).contains("a");
            settings.put("admin.token_hash", "c");
            assertThat(settings.get("admin.token_hash")).contains("c");
        }
    }
}
