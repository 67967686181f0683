package dev.sluice.gateway.store;

import dev.sluice.testing.FakeTime;
import dev.sluice.protocol.Hashes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.protocol.KeyMask;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

    @TempDir
    Path tmp;

    private final FakeTime clock = FakeTime.at("2026-03-01T10:00:00.123Z");

    /** An organization with one member who owns keys in one project. */
    private record World(AccessStore store, Organization org, User owner, Project project) {
        ApiKeys keys() {
            return store.apiKeys();
        }
    }

    private World world(TestDb t) {
        AccessStore store = new AccessStore(t.db(), clock);
        Organization org = store.organizations().create("Acme");
        User owner = store.users().create("Ada@Example.com", "Ada");
        store.organizations().addMember(org.id(), owner.id(), Membership.Role.OWNER);
        Project project = store.projects().create(org.id(), "Chatbot");
        return new World(store, org, owner, project);
    }

    @BothBackends
    void aProjectKeyGetsAnSkProjSecretAndIsFoundByIt(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);

            CreatedKey created = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "ci"));

            assertThat(created.secret()).matches("sk-proj-[A-Za-z0-9_-]{48}");
            assertThat(created.key().id()).startsWith("key_");
            assertThat(created.key().orgId()).isEqualTo(w.org().id());
            assertThat(created.key().createdAt()).isEqualTo(Instant.parse("2026-03-01T10:00:00.123Z"));
            KeyPrincipal principal = w.keys().findBySecret(created.secret()).orElseThrow();
            assertThat(principal.key()).isEqualTo(created.key());
            assertThat(principal.orgId()).isEqualTo(w.org().id());
            assertThat(principal.projectId()).isEqualTo(w.project().id());
            assertThat(principal.ownerIsMember()).isTrue();
            assertThat(principal.projectArchived()).isFalse();
        }
    }

    @BothBackends
    void aServiceAccountKeyGetsAnSkSvcacctSecretAndNeedsNoMembership(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            ServiceAccount bot = w.store().serviceAccounts().create(w.project().id(), "deploy-bot");

            CreatedKey created = w.keys().create(KeySpec.forServiceAccount(bot, "deploy"));

            assertThat(bot.id()).startsWith("svc_acct_");
            assertThat(created.secret()).matches("sk-svcacct-[A-Za-z0-9_-]{48}");
            KeyPrincipal principal = w.keys().findBySecret(created.secret()).orElseThrow();
            assertThat(principal.key().isServiceAccountKey()).isTrue();
            assertThat(principal.key().serviceAccountId()).isEqualTo(bot.id());
            assertThat(principal.ownerIsMember()).isTrue();
            assertThat(w.store().serviceAccounts().listByProject(w.project().id())).containsExactly(bot);
        }
    }

    @BothBackends
    void aServiceAccountCannotHoldAKeyInAnotherProject(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            Project other = w.store().projects().create(w.org().id(), "Other");
            ServiceAccount bot = w.store().serviceAccounts().create(other.id(), "bot");
            KeySpec crossed = new KeySpec(w.project().id(), "x", null, bot.id(), Set.of(), null);

            assertThatThrownBy(() -> w.keys().create(crossed))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.MISSING_REFERENCE));
        }
    }

    @BothBackends
    void theSecretIsNeverStoredOnlyItsHashAndMaskedForm(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            List<CreatedKey> created = List.of(
                    w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "one")),
                    w.keys().create(KeySpec.unowned(w.project().id(), "two").withScopes(Set.of("model.request"))),
                    w.keys().createWithSecret(KeySpec.unowned(w.project().id(), "three"), "sk-chosen-by-the-operator-0001"));

            List<String> stored = t.allValues("api_keys");
            for (CreatedKey k : created) {
                assertThat(stored).noneMatch(v -> v.contains(k.secret()));
                assertThat(stored).contains(Hashes.sha256Hex(k.secret()));
                assertThat(k.toString()).doesNotContain(k.secret());
                assertThat(k.key().toString()).doesNotContain(k.secret());
            }
        }
    }

    @BothBackends
    void theRedactedValueShowsThePrefixFiveCharactersStarsAndTheLastFour(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            CreatedKey created = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "ci"));
            String secret = created.secret();

            String redacted = w.keys().find(created.key().id()).orElseThrow().redactedValue();

            assertThat(redacted)
                    .isEqualTo(KeyMask.mask(secret))
                    .startsWith(secret.substring(0, "sk-proj-".length() + 5))
                    .endsWith(secret.substring(secret.length() - 4))
                    .matches("sk-proj-[A-Za-z0-9_-]{5}\\*{4,}[A-Za-z0-9_-]{4}");
        }
    }

    @BothBackends
    void anUnknownSecretFindsNothing(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "ci"));

            assertThat(w.keys().findBySecret("sk-proj-" + "x".repeat(48))).isEmpty();
            assertThat(w.keys().findBySecret("")).isEmpty();
            assertThat(w.keys().findBySecret(null)).isEmpty();
            assertThat(w.keys().find("key_missing")).isEmpty();
        }
    }

    @BothBackends
    void aKeyWhoseOwnerLeftTheOrganizationReportsANonMemberOwner(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            CreatedKey created = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "ci"));
            Organization elsewhere = w.store().organizations().create("Elsewhere");
            w.store().organizations().addMember(elsewhere.id(), w.owner().id(), Membership.Role.READER);

            assertThat(w.store().organizations().removeMember(w.org().id(), w.owner().id())).isTrue();

            KeyPrincipal principal = w.keys().findBySecret(created.secret()).orElseThrow();
            assertThat(principal.ownerIsMember()).isFalse();
            assertThat(principal.key().ownerUserId()).isEqualTo(w.owner().id());
        }
    }

    @BothBackends
    void anUnownedKeyHasNoMembershipToLose(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            CreatedKey created = w.keys().create(KeySpec.unowned(w.project().id(), "declared"));

            assertThat(w.keys().findBySecret(created.secret()).orElseThrow().ownerIsMember()).isTrue();
        }
    }

    @BothBackends
    void expiryAndRevocationTimesRoundTripToTheMillisecond(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            Instant expiry = Instant.parse("2026-04-01T00:00:00.456789Z");
            CreatedKey created = w.keys().create(
                    KeySpec.forUser(w.project().id(), w.owner().id(), "short-lived").withExpiry(expiry));
            Instant revokedAt = Instant.parse("2026-03-02T12:34:56.789Z");

            assertThat(w.keys().revoke(created.key().id(), revokedAt)).isTrue();

            ApiKey key = w.keys().findBySecret(created.secret()).orElseThrow().key();
            assertThat(key.expiresAt()).isEqualTo(Instant.parse("2026-04-01T00:00:00.456Z"));
            assertThat(key.revokedAt()).isEqualTo(revokedAt);
            assertThat(key.isRevoked()).isTrue();
            assertThat(key.isExpiredAt(Instant.parse("2026-04-01T00:00:00.455Z"))).isFalse();
            assertThat(key.isExpiredAt(Instant.parse("2026-04-01T00:00:00.456Z"))).isTrue();
            assertThat(key.isUsableAt(Instant.parse("2026-03-02T00:00:00Z"))).isFalse();
        }
    }

    @BothBackends
    void revokingTwiceKeepsTheFirstRevocationTime(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            CreatedKey created = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "ci"));
            Instant first = Instant.parse("2026-03-02T00:00:00Z");

            assertThat(w.keys().revoke(created.key().id(), first)).isTrue();
            assertThat(w.keys().revoke(created.key().id(), first.plus(Duration.ofHours(1)))).isFalse();
            assertThat(w.keys().revoke("key_missing", first)).isFalse();

            assertThat(w.keys().find(created.key().id()).orElseThrow().revokedAt()).isEqualTo(first);
        }
    }

    @BothBackends
    void listingAProjectShowsEachKeyOnlyByItsRedactedValue(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            CreatedKey a = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "a"));
            clock.advance(Duration.ofSeconds(1));
            CreatedKey b = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "b"));
            w.keys().revoke(a.key().id(), clock.instant());
            Project other = w.store().projects().create(w.org().id(), "Other");
            w.keys().create(KeySpec.forUser(other.id(), w.owner().id(), "elsewhere"));

            List<ApiKey> listed = w.keys().listByProject(w.project().id());

            assertThat(listed).extracting(ApiKey::name).containsExactly("a", "b");
            assertThat(listed).extracting(ApiKey::redactedValue)
                    .containsExactly(KeyMask.mask(a.secret()), KeyMask.mask(b.secret()));
            assertThat(listed.toString()).doesNotContain(a.secret()).doesNotContain(b.secret());
            assertThat(listed.get(0).isRevoked()).isTrue();
        }
    }

    @BothBackends
    void scopesRoundTripAndNoScopesMeansUnrestricted(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            CreatedKey restricted = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "r")
                    .withScopes(Set.of("model.request", "api.model.read")));
            CreatedKey open = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "o"));

            ApiKey r = w.keys().findBySecret(restricted.secret()).orElseThrow().key();
            ApiKey o = w.keys().findBySecret(open.secret()).orElseThrow().key();

            assertThat(r.scopes()).containsExactly("api.model.read", "model.request");
            assertThat(r.allows("model.request")).isTrue();
            assertThat(r.allows("api.files.write")).isFalse();
            assertThat(o.scopes()).isEmpty();
            assertThat(o.allows("api.files.write")).isTrue();
            assertThatThrownBy(() -> KeySpec.unowned("p", "n").withScopes(Set.of("a,b")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @BothBackends
    void keysCannotBeCreatedForAnUnknownOrArchivedProjectAndArchivingShowsInThePrincipal(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            CreatedKey before = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "before"));

            assertThat(w.store().projects().archive(w.project().id())).isTrue();

            assertThat(w.keys().findBySecret(before.secret()).orElseThrow().projectArchived()).isTrue();
            assertThatThrownBy(() -> w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "after")))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.INVALID_STATE));
            assertThatThrownBy(() -> w.keys().create(KeySpec.unowned("proj_missing", "x")))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.MISSING_REFERENCE));
        }
    }

    @BothBackends
    void aChosenSecretThatIsAlreadyAKeyIsAConflict(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            w.keys().createWithSecret(KeySpec.unowned(w.project().id(), "a"), "sk-fixed-secret-for-tests");

            assertThatThrownBy(() -> w.keys().createWithSecret(KeySpec.unowned(w.project().id(), "b"), "sk-fixed-secret-for-tests"))
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFLICT);
                        assertThat(e.getMessage()).doesNotContain("sk-fixed-secret-for-tests");
                    });
        }
    }

    @BothBackends
    void lastUsedOnlyMovesForward(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            String id = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "ci")).key().id();
            Instant later = Instant.parse("2026-03-05T00:00:00Z");

            w.keys().markUsed(id, later);
            w.keys().markUsed(id, later.minusSeconds(60));

            assertThat(w.keys().find(id).orElseThrow().lastUsedAt()).isEqualTo(later);
        }
    }

    @BothBackends
    void findingAKeyBySecretIsOneQuery(Backend backend) {
        try (TestDb t = backend.open(tmp)) {
            World w = world(t);
            CreatedKey created = w.keys().create(KeySpec.forUser(w.project().id(), w.owner().id(), "ci"));
            long before = t.db().queryCount();

            w.keys().findBySecret(created.secret());

            assertThat(t.db().queryCount() - before).isEqualTo(1);
        }
    }
}
