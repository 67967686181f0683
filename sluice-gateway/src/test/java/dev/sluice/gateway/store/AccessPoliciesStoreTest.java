package dev.sluice.gateway.store;

import dev.sluice.testing.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;

/** The V2 tables on both backends: allowlists, region policies, model access, renames, deleted service accounts. */
class AccessPoliciesStoreTest {

    @TempDir
    Path tmp;

    private final FakeTime clock = FakeTime.at("2026-03-01T10:00:00Z");

    private StoreException.Reason reason(Runnable r) {
        try {
            r.run();
        } catch (StoreException e) {
            return e.reason();
        }
        throw new AssertionError("no StoreException");
    }

    @BothBackends
    void allowlistsKeepOrganizationAndProjectListsApartAndRefuseDuplicates(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore s = new AccessStore(t.db(), clock);
            Organization org = s.organizations().create("Acme");
            Project p = s.projects().create(org.id(), "P");
            Project q = s.projects().create(org.id(), "Q");
            IpAllowlistEntry e = s.ipAllowlists().add(org.id(), null, "10.0.0.0/8");
            s.ipAllowlists().add(org.id(), p.id(), "10.0.0.0/8"); // the same CIDR at another level is fine
            s.ipAllowlists().add(org.id(), p.id(), "2001:db8::/32");

            assertThat(reason(() -> s.ipAllowlists().add(org.id(), p.id(), "10.0.0.0/8")))
                    .isEqualTo(StoreException.Reason.CONFLICT);
            assertThat(reason(() -> s.ipAllowlists().add("org_missing", null, "10.0.0.0/8")))
                    .isEqualTo(StoreException.Reason.MISSING_REFERENCE);
            assertThat(s.ipAllowlists().list(org.id(), null)).containsExactly(e);
            assertThat(s.ipAllowlists().forRequest(org.id(), p.id()))
                    .isEqualTo(new IpAllowlists.Lists(Set.of("10.0.0.0/8"), Set.of("10.0.0.0/8", "2001:db8::/32")));
            assertThat(s.ipAllowlists().forRequest(org.id(), q.id()).project()).isEmpty();

            assertThat(s.ipAllowlists().replace(org.id(), p.id(), Set.of("2001:db8::/32", "192.0.2.0/24"))).isTrue();
            assertThat(s.ipAllowlists().replace(org.id(), p.id(), Set.of("2001:db8::/32", "192.0.2.0/24"))).isFalse();
            assertThat(s.ipAllowlists().forRequest(org.id(), p.id()).project()).containsExactlyInAnyOrder(
                    "2001:db8::/32", "192.0.2.0/24");
            assertThat(s.ipAllowlists().remove(e.id())).isTrue();
            assertThat(s.ipAllowlists().remove(e.id())).isFalse();
        }
    }

    @BothBackends
    void regionPoliciesAreInstallationWideAndPerOrganization(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore s = new AccessStore(t.db(), clock);
            Organization a = s.organizations().create("A");
            Organization b = s.organizations().create("B");
            assertThat(s.regionPolicies().replace(null, Set.of("KP"))).isTrue();
            assertThat(s.regionPolicies().replace(a.id(), Set.of("RU", "IR"))).isTrue();
            assertThat(s.regionPolicies().replace(a.id(), Set.of("RU", "IR"))).isFalse();

            assertThat(s.regionPolicies().forRequest(a.id())).containsExactly("IR", "KP", "RU");
            assertThat(s.regionPolicies().forRequest(b.id())).containsExactly("KP");
            assertThat(s.regionPolicies().unsupported(null)).containsExactly("KP");

            s.regionPolicies().replace(a.id(), Set.of("IR"));
            assertThat(s.regionPolicies().unsupported(a.id())).containsExactly("IR");
            assertThat(reason(() -> s.regionPolicies().replace("org_missing", Set.of("NZ"))))
                    .isEqualTo(StoreException.Reason.MISSING_REFERENCE);
        }
    }

    @BothBackends
    void modelAccessHoldsTheTierAndAllowedListsPerLevel(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore s = new AccessStore(t.db(), clock);
            Organization org = s.organizations().create("Acme");
            Project p = s.projects().create(org.id(), "P");
            ModelAccessRules m = s.modelAccess();
            m.replace(org.id(), null, ModelAccessRules.Kind.VISIBLE, Set.of("a", "b", "c"));
            m.replace(org.id(), null, ModelAccessRules.Kind.ALLOWED, Set.of("a", "b"));
            m.replace(org.id(), p.id(), ModelAccessRules.Kind.ALLOWED, Set.of("a"));

            assertThat(m.forRequest(org.id(), p.id())).isEqualTo(new ModelAccessRules.Lists(Set.of("a", "b", "c"),
                    Set.of("a", "b"), Set.of("a")));
            assertThat(m.list(org.id(), p.id(), ModelAccessRules.Kind.ALLOWED)).containsExactly("a");
            assertThat(m.replace(org.id(), p.id(), ModelAccessRules.Kind.ALLOWED, Set.of("a"))).isFalse();
            assertThat(m.replace(org.id(), p.id(), ModelAccessRules.Kind.ALLOWED, Set.of())).isTrue();
            assertThat(m.forRequest(org.id(), p.id()).projectAllowed()).isEmpty();
            assertThatThrownBy(() -> m.replace(org.id(), p.id(), ModelAccessRules.Kind.VISIBLE, Set.of("a")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @BothBackends
    void deletingAServiceAccountRevokesItsKeysOnce(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore s = new AccessStore(t.db(), clock);
            Project p = s.projects().create(s.organizations().create("Acme").id(), "P");
            ServiceAccount sa = s.serviceAccounts().create(p.id(), "bot");
            CreatedKey k1 = s.apiKeys().create(KeySpec.forServiceAccount(sa, "one"));
            CreatedKey k2 = s.apiKeys().create(KeySpec.forServiceAccount(sa, "two"));

            assertThat(s.serviceAccounts().delete(sa.id())).isTrue();
            assertThat(s.serviceAccounts().delete(sa.id())).isFalse();

            assertThat(s.serviceAccounts().find(sa.id()).orElseThrow().deletedAt()).isEqualTo(clock.instant());
            assertThat(s.apiKeys().find(k1.key().id()).orElseThrow().isRevoked()).isTrue();
            assertThat(s.apiKeys().find(k2.key().id()).orElseThrow().isRevoked()).isTrue();
        }
    }

    @BothBackends
    void organizationsAndProjectsAreRenamedAndKeyRestrictionsChanged(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            AccessStore s = new AccessStore(t.db(), clock);
            Organization org = s.organizations().create("Acme");
            Project p = s.projects().create(org.id(), "P");
            CreatedKey k = s.apiKeys().create(KeySpec.unowned(p.id(), "k"));

            assertThat(s.organizations().rename(org.id(), "Acme 2")).isTrue();
            assertThat(s.projects().rename(p.id(), "P 2")).isTrue();
            assertThat(s.organizations().rename("org_missing", "x")).isFalse();
            assertThat(s.apiKeys().setRestrictions(k.key().id(), Set.of("model.read"), clock.instant().plusSeconds(60)))
                    .isTrue();

            assertThat(s.organizations().find(org.id()).orElseThrow().name()).isEqualTo("Acme 2");
            assertThat(s.projects().find(p.id()).orElseThrow().name()).isEqualTo("P 2");
            ApiKey key = s.apiKeys().find(k.key().id()).orElseThrow();
            assertThat(key.scopes()).containsExactly("model.read");
            assertThat(key.expiresAt()).isEqualTo(clock.instant().plusSeconds(60));
        }
    }
}
