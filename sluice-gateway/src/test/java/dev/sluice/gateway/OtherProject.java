package dev.sluice.gateway;

import dev.sluice.gateway.store.AccessStore;
import dev.sluice.gateway.store.KeySpec;
import dev.sluice.gateway.store.Organization;
import dev.sluice.gateway.store.Project;

import java.time.Clock;

/** A second organization and project with its own key, to prove one project cannot see another's objects. */
final class OtherProject {
    private OtherProject() {}

    static String key(TestGateway gw) {
        AccessStore store = new AccessStore(gw.gateway.database(), Clock.systemUTC());
        Organization org = store.organizations().create("Other Org");
        Project p = store.projects().create(org.id(), "Other Project");
        return store.apiKeys().create(KeySpec.unowned(p.id(), "other")).secret();
    }
}
