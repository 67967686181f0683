package dev.sluice.gateway.store;

import java.time.Clock;

/**
 * The access model's repositories over one database and one clock, built once at start-up and shared. Group
 * several calls atomically with {@code database().transaction(c -> …)}.
 */
public final class AccessStore {

    private final Database db;
    private final Organizations organizations;
    private final Users users;
    private final Projects projects;
    private final ServiceAccounts serviceAccounts;
    private final ApiKeys apiKeys;
    private final AuditLog audit;
    private final Settings settings;
    private final IpAllowlists ipAllowlists;
    private final RegionPolicies regionPolicies;
    private final ModelAccessRules modelAccess;

    public AccessStore(Database db, Clock clock) {
        this.db = db;
        this.organizations = new Organizations(db, clock);
        this.users = new Users(db, clock);
        this.projects = new Projects(db, clock);
        this.serviceAccounts = new ServiceAccounts(db, clock);
        this.apiKeys = new ApiKeys(db, clock);
        this.audit = new AuditLog(db, clock);
        this.settings = new Settings(db, clock);
        this.ipAllowlists = new IpAllowlists(db, clock);
        this.regionPolicies = new RegionPolicies(db, clock);
        this.modelAccess = new ModelAccessRules(db, clock);
    }

    public Database database() { return db; }
    public Organizations organizations() { return organizations; }
    public Users users() { return users; }
    public Projects projects() { return projects; }
    public ServiceAccounts serviceAccounts() { return serviceAccounts; }
    public ApiKeys apiKeys() { return apiKeys; }
    public AuditLog audit() { return audit; }
    public Settings settings() { return settings; }
    public IpAllowlists ipAllowlists() { return ipAllowlists; }
    public RegionPolicies regionPolicies() { return regionPolicies; }
    public ModelAccessRules modelAccess() { return modelAccess; }
}
