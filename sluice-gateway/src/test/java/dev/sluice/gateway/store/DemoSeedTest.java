package dev.sluice.gateway.store;

import dev.sluice.testing.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

class DemoSeedTest {

    @TempDir
    Path tmp;

    private final FakeTime clock = FakeTime.at("2026-03-01T10:00:00Z");

    @BothBackends
    void theFirstStartSeedsADemoOrganizationOwnerProjectAndGeneratedKey(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            DemoCredentials demo = DemoSeed.seedIfEmpty(t.db(), null, clock).orElseThrow();

            AccessStore store = new AccessStore(t.db(), clock);
            assertThat(demo.secretGenerated()).isTrue();
            assertThat(demo.secret()).matches("sk-proj-[A-Za-z0-9_-]{48}");
            assertThat(demo.toString()).doesNotContain(demo.secret());
            assertThat(store.organizations().find(demo.orgId()).orElseThrow().name()).isEqualTo("Demo Org");
            assertThat(store.projects().find(demo.projectId()).orElseThrow().name()).isEqualTo("Demo Project");
            assertThat(store.users().find(demo.userId()).orElseThrow().email()).isEqualTo("demo@sluice.local");
            assertThat(store.organizations().membership(demo.orgId(), demo.userId()).orElseThrow().role())
                    .isEqualTo(Membership.Role.OWNER);
            KeyPrincipal principal = store.apiKeys().findBySecret(demo.secret()).orElseThrow();
            assertThat(principal.key().id()).isEqualTo(demo.keyId());
            assertThat(principal.key().ownerUserId()).isEqualTo(demo.userId());
            assertThat(principal.projectId()).isEqualTo(demo.projectId());
            assertThat(principal.ownerIsMember()).isTrue();
        }
    }

    @BothBackends
    void theFirstStartUsesSluiceDemoKeyAsTheSecretWhenSet(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            DemoCredentials demo = DemoSeed.seedIfEmpty(t.db(), "sk-demo-local-0123456789", clock).orElseThrow();

            assertThat(demo.secretGenerated()).isFalse();
            assertThat(demo.secret()).isEqualTo("sk-demo-local-0123456789");
            assertThat(new ApiKeys(t.db(), clock).findBySecret("sk-demo-local-0123456789")).isPresent();
        }
    }

    @BothBackends
    void aBlankSluiceDemoKeyCountsAsUnset(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            assertThat(DemoSeed.seedIfEmpty(t.db(), "   ", clock).orElseThrow().secretGenerated()).isTrue();
        }
    }

    @BothBackends
    void laterStartsSeedNothingAndReturnEmpty(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            DemoSeed.seedIfEmpty(t.db(), "sk-demo-local-0123456789", clock).orElseThrow();

            assertThat(DemoSeed.seedIfEmpty(t.db(), "sk-demo-local-0123456789", clock)).isEmpty();
            Database restarted = t.reopen();
            assertThat(DemoSeed.seedIfEmpty(restarted, "sk-demo-local-0123456789", clock)).isEmpty();
            assertThat(DemoSeed.seedIfEmpty(restarted, null, clock)).isEmpty();

            assertThat(t.count("organizations")).isEqualTo(1);
            assertThat(t.count("users")).isEqualTo(1);
            assertThat(t.count("projects")).isEqualTo(1);
            assertThat(t.count("api_keys")).isEqualTo(1);
        }
    }

    @BothBackends
    void aLaterStartWithANewSluiceDemoKeyAddsItToTheDemoProjectOnce(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            DemoCredentials first = DemoSeed.seedIfEmpty(t.db(), null, clock).orElseThrow();
            Database restarted = t.reopen();

            Optional<DemoCredentials> second = DemoSeed.seedIfEmpty(restarted, "sk-demo-from-env-9876543210", clock);
            DemoSeed.seedIfEmpty(restarted, "sk-demo-from-env-9876543210", clock);

            assertThat(second).isEmpty();
            ApiKeys keys = new ApiKeys(restarted, clock);
            KeyPrincipal added = keys.findBySecret("sk-demo-from-env-9876543210").orElseThrow();
            assertThat(added.projectId()).isEqualTo(first.projectId());
            assertThat(added.key().ownerUserId()).isEqualTo(first.userId());
            assertThat(added.ownerIsMember()).isTrue();
            assertThat(keys.findBySecret(first.secret())).isPresent();
            assertThat(keys.listByProject(first.projectId())).hasSize(2);
            assertThat(t.count("organizations")).isEqualTo(1);
        }
    }

    @BothBackends
    void sluiceDemoKeyOnAnInstallationWithoutADemoProjectGetsOne(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            new Organizations(t.db(), clock).create("Declared in sluice.yaml");

            assertThat(DemoSeed.seedIfEmpty(t.db(), null, clock)).isEmpty();
            DemoCredentials demo = DemoSeed.seedIfEmpty(t.db(), "sk-demo-local-0123456789", clock).orElseThrow();

            assertThat(demo.secretGenerated()).isFalse();
            assertThat(new ApiKeys(t.db(), clock).findBySecret("sk-demo-local-0123456789").orElseThrow().projectId())
                    .isEqualTo(demo.projectId());
            assertThat(t.count("organizations")).isEqualTo(2);
        }
    }

    @BothBackends
    void aRevokedDemoKeyStaysRevoked(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            DemoCredentials demo = DemoSeed.seedIfEmpty(t.db(), "sk-demo-local-0123456789", clock).orElseThrow();
            ApiKeys keys = new ApiKeys(t.db(), clock);
            keys.revoke(demo.keyId(), clock.instant());

            DemoSeed.seedIfEmpty(t.db(), "sk-demo-local-0123456789", clock);

            assertThat(keys.findBySecret("sk-demo-local-0123456789").orElseThrow().key().isRevoked()).isTrue();
            assertThat(t.count("api_keys")).isEqualTo(1);
        }
    }

    @BothBackends
    void seedingLeavesNoSecretInAnyTable(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            DemoCredentials generated = DemoSeed.seedIfEmpty(t.db(), null, clock).orElseThrow();
            DemoSeed.seedIfEmpty(t.db(), "sk-demo-from-env-9876543210", clock);

            for (String table : List.of("organizations", "users", "memberships", "projects", "service_accounts",
                    "api_keys", "audit_log", "settings")) {
                assertThat(t.allValues(table)).as(table)
                        .noneMatch(v -> v.contains(generated.secret()) || v.contains("sk-demo-from-env-9876543210"));
            }
        }
    }
}
