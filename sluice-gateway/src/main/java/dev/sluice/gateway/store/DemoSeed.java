package dev.sluice.gateway.store;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a fresh embedded installation something to call with: a demo organization, owner, project and key. Runs
 * at every start and is idempotent; {@code SLUICE_DEMO_KEY}, when set, always ends up as a working key of the demo
 * project. Concurrent starts on one database are serialised by a settings-row lock.
 */
public final class DemoSeed {

    public static final String ORG_NAME = "Demo Org";
    public static final String USER_EMAIL = "demo@sluice.local";
    public static final String USER_NAME = "Demo User";
    public static final String PROJECT_NAME = "Demo Project";
    public static final String KEY_NAME = "Demo key";

    static final String PROJECT_SETTING = "demo.project_id";
    static final String USER_SETTING = "demo.user_id";
    private static final String LOCK = "demo.seed_lock";
    private static final String ACTOR = "system:demo-seed";

    private static final Logger log = LoggerFactory.getLogger(DemoSeed.class);

    private DemoSeed() {}

    /**
     * Seeds the demo organization when no organization exists (or when {@code demoKeyFromEnv} is set and there is
     * no demo project yet, e.g. after a declarative bootstrap) and returns what it created; the key's secret is
     * {@code demoKeyFromEnv} when non-blank, else generated. Otherwise returns empty, after adding
     * {@code demoKeyFromEnv} to the demo project if no key has that secret yet.
     */
    public static Optional<DemoCredentials> seedIfEmpty(Database db, String demoKeyFromEnv, Clock clock) {
        AccessStore store = new AccessStore(db, clock);
        String envKey = demoKeyFromEnv == null || demoKeyFromEnv.isBlank() ? null : demoKeyFromEnv.strip();
        return db.transaction(c -> {
            store.settings().lock(LOCK);
            if (store.organizations().isEmpty()) return Optional.of(seed(store, envKey));
            if (envKey == null || store.apiKeys().findBySecret(envKey).isPresent()) return Optional.empty();
            Optional<String> projectId = store.settings().get(PROJECT_SETTING);
            if (projectId.isEmpty()) return Optional.of(seed(store, envKey));
            addEnvKey(store, projectId.get(), envKey);
            return Optional.empty();
        });
    }

    private static DemoCredentials seed(AccessStore store, String envKey) {
        Organization org = store.organizations().create(ORG_NAME);
        User user = store.users().findByEmail(USER_EMAIL).orElseGet(() -> store.users().create(USER_EMAIL, USER_NAME));
        store.organizations().addMember(org.id(), user.id(), Membership.Role.OWNER);
        Project project = store.projects().create(org.id(), PROJECT_NAME);
        KeySpec spec = KeySpec.forUser(project.id(), user.id(), KEY_NAME);
        CreatedKey key = envKey != null ? store.apiKeys().createWithSecret(spec, envKey) : store.apiKeys().create(spec);
        store.settings().put(PROJECT_SETTING, project.id());
        store.settings().put(USER_SETTING, user.id());
        store.audit().record(ACTOR, "demo.seed", project.id(),
                Map.of("org_id", org.id(), "user_id", user.id(), "key_id", key.key().id(), "from_env", envKey != null));
        return new DemoCredentials(org.id(), project.id(), user.id(), key.key().id(), key.secret(), envKey == null);
    }

    private static void addEnvKey(AccessStore store, String projectId, String envKey) {
        String userId = store.settings().get(USER_SETTING).orElse(null);
        boolean ownerExists = userId != null && store.users().find(userId).isPresent();
        KeySpec spec = ownerExists ? KeySpec.forUser(projectId, userId, KEY_NAME) : KeySpec.unowned(projectId, KEY_NAME);
        try {
            CreatedKey key = store.apiKeys().createWithSecret(spec, envKey);
            store.audit().record(ACTOR, "demo.key_added", projectId, Map.of("key_id", key.key().id()));
            log.info("Added SLUICE_DEMO_KEY as key {} of the demo project {}", key.key().id(), projectId);
        } catch (StoreException e) {
            if (e.reason() != StoreException.Reason.INVALID_STATE && e.reason() != StoreException.Reason.MISSING_REFERENCE) {
                throw e;
            }
            log.warn("SLUICE_DEMO_KEY not added: the demo project {} is archived or gone", projectId);
        }
    }
}
