package dev.sluice.gateway.lifecycle;

import dev.sluice.gateway.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Hot reload. One {@link AtomicReference} holds the {@link Snapshot} in force (the config and the model catalogue
 * built from it); stages read it through {@link #catalog()} once per request, so a request keeps the model (and its
 * deployments) it resolved even if a reload lands while it runs. {@link #reload} reads the config again from its
 * source with the start-up rules: an invalid file is refused with the same message as at start-up and the running
 * config stays; a valid one replaces the catalogue and the traffic defaults. Keys a reload cannot change (ports,
 * storage, stores, timeouts...) are named in the result and the log: they need a restart.
 */
public final class ConfigReloader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);
    private static final ObjectMapper TREE = Json.CONFIG;
    /** What a reload applies; everything else in sluice.yaml is read at start only. */
    public static final List<String> RELOADABLE = List.of("models", "limits.defaults",
            "quotas.org_monthly_budget_usd", "quotas.project_monthly_budget_usd", "quotas.org_credits_usd",
            "quotas.project_credits_usd", "slow_down.floor_rpm", "slow_down.factor", "slow_down.ramp", "reload",
            "log");

    /** The configuration in force: immutable, replaced whole by a reload. */
    public record Snapshot(long generation, SluiceConfig config, ModelCatalog catalog, Instant loadedAt) {}

    /** What a successful reload changed; {@code changed} false when the file said what is already running. */
    public record Applied(boolean changed, long generation, List<String> modelsAdded, List<String> modelsRemoved,
                          List<String> modelsChanged, List<String> restartRequired) {}

    private final AtomicReference<Snapshot> current;
    private final Function<SluiceConfig, ModelCatalog> catalogOf;
    private final List<Consumer<SluiceConfig>> checks = new ArrayList<>();
    private final List<java.util.function.BiConsumer<Snapshot, Snapshot>> appliers = new ArrayList<>();
    private final Map<String, ModelSpec> retired = new ConcurrentHashMap<>();
    private final MeterRegistry metrics;
    private final Clock clock;
    private volatile Supplier<SluiceConfig> source;
    private final ModelCatalog live;
    private final ModelCatalog pricing;

    public ConfigReloader(SluiceConfig start, Function<SluiceConfig, ModelCatalog> catalogOf, MeterRegistry metrics,
                          Clock clock) {
        this.catalogOf = catalogOf;
        this.metrics = metrics;
        this.clock = clock;
        this.current = new AtomicReference<>(new Snapshot(1, start, catalogOf.apply(start), clock.instant()));
        this.live = ModelCatalog.following(() -> current.get().catalog());
        this.pricing = new PricingCatalog();
        metrics.gauge("sluice_config_generation", current, r -> r.get().generation());
    }

    /** The snapshot in force. */
    public Snapshot snapshot() {
        return current.get();
    }

    /** The catalogue in force, read at each call (what stages hold). */
    public ModelCatalog catalog() {
        return live;
    }

    /**
     * The catalogue for pricing usage records: the one in force, else a model a reload removed while requests of it
     * were still running (they are billed at the price they ran with).
     */
    public ModelCatalog pricingCatalog() {
        return pricing;
    }

    /** Where {@link #reload} reads the config: the start-up file, environment and flags, read again. */
    public void source(Supplier<SluiceConfig> source) {
        this.source = source;
    }

    /** A check a new config must also pass (throws {@link ConfigException}), e.g. what the running process can serve. */
    public void check(Consumer<SluiceConfig> check) {
        checks.add(check);
    }

    /** Runs after each applied reload, with the old and the new snapshot (traffic defaults, circuit breakers). */
    public void onApplied(java.util.function.BiConsumer<Snapshot, Snapshot> applier) {
        appliers.add(applier);
    }

    /**
     * Reads, validates and applies the config. Throws {@link ConfigException} (with the start-up message) when the
     * new config is refused; the running config then stays. Serialised: one reload at a time.
     */
    public synchronized Applied reload(String trigger) {
        Supplier<SluiceConfig> src = source;
        SluiceConfig next;
        ModelCatalog catalog;
        try {
            if (src == null) throw new ConfigException("Invalid config: this gateway has no config source to reload");
            next = src.get();
            for (Consumer<SluiceConfig> c : checks) c.accept(next);
            catalog = catalogOf.apply(next);
        } catch (ConfigException e) {
            metrics.counter("sluice_config_reloads", "result", "refused").increment();
            LOG.warn("config reload ({}) refused, the running config stays: {}", trigger, e.getMessage());
            throw e;
        }
        Snapshot before = current.get();
        if (next.equals(before.config())) { // e.g. a file watch event for another file of the directory
            metrics.counter("sluice_config_reloads", "result", "unchanged").increment();
            LOG.info("config reload ({}): unchanged, generation {} stays", trigger, before.generation());
            return new Applied(false, before.generation(), List.of(), List.of(), List.of(), List.of());
        }
        Snapshot after = new Snapshot(before.generation() + 1, next, catalog, clock.instant());
        Applied applied = diff(before, after);
        for (String id : applied.modelsRemoved()) before.catalog().find(id).ifPresent(m -> retired.put(id, m));
        for (ModelSpec m : catalog.all()) retired.remove(m.id());
        current.set(after);
        for (var a : appliers) a.accept(before, after);
        metrics.counter("sluice_config_reloads", "result", "applied").increment();
        LOG.info("config reloaded ({}): generation {}, models added {}, removed {}, changed {}{}", trigger,
                after.generation(), applied.modelsAdded(), applied.modelsRemoved(), applied.modelsChanged(),
                applied.restartRequired().isEmpty() ? ""
                        : "; changed keys that need a restart (not applied): " + applied.restartRequired());
        return applied;
    }

    /** Whether {@code model/deployment} is the same in both catalogues (its circuit breaker may keep its state). */
    public static boolean sameDeployment(ModelCatalog before, ModelCatalog after, String breakerName) {
        int slash = breakerName.indexOf('/');
        if (slash < 0) return false;
        String model = breakerName.substring(0, slash), name = breakerName.substring(slash + 1);
        Optional<ModelSpec> a = before.find(model), b = after.find(model);
        if (a.isEmpty() || b.isEmpty()) return false;
        var da = a.get().deployments().stream().filter(d -> d.name().equals(name)).findFirst();
        var db = b.get().deployments().stream().filter(d -> d.name().equals(name)).findFirst();
        return da.isPresent() && da.equals(db);
    }

    private static Applied diff(Snapshot before, Snapshot after) {
        List<String> added = new ArrayList<>(), removed = new ArrayList<>(), changed = new ArrayList<>();
        for (ModelSpec m : after.catalog().all()) {
            Optional<ModelSpec> old = before.catalog().find(m.id());
            if (old.isEmpty()) added.add(m.id());
            else if (!old.get().equals(m)) changed.add(m.id());
        }
        for (ModelSpec m : before.catalog().all()) if (after.catalog().find(m.id()).isEmpty()) removed.add(m.id());
        return new Applied(true, after.generation(), added, removed, changed,
                restartOnly(before.config(), after.config()));
    }

    /** The keys outside {@link #RELOADABLE} whose values differ (names only, never values). */
    static List<String> restartOnly(SluiceConfig before, SluiceConfig after) {
        JsonNode a = TREE.valueToTree(before), b = TREE.valueToTree(after);
        for (String k : RELOADABLE) {
            remove(a, k);
            remove(b, k);
        }
        TreeSet<String> out = new TreeSet<>();
        differences("", a, b, 0, out);
        return List.copyOf(out);
    }

    private static void remove(JsonNode tree, String path) {
        int dot = path.indexOf('.');
        if (!(tree instanceof ObjectNode o)) return;
        if (dot < 0) o.remove(path);
        else remove(o.get(path.substring(0, dot)), path.substring(dot + 1));
    }

    private static void differences(String at, JsonNode a, JsonNode b, int depth, TreeSet<String> out) {
        if (a != null && a.equals(b)) return;
        if (depth < 2 && a instanceof ObjectNode oa && b instanceof ObjectNode ob) {
            TreeSet<String> keys = new TreeSet<>();
            for (Iterator<String> it = oa.fieldNames(); it.hasNext(); ) keys.add(it.next());
            for (Iterator<String> it = ob.fieldNames(); it.hasNext(); ) keys.add(it.next());
            for (String k : keys) differences(at.isEmpty() ? k : at + "." + k, oa.get(k), ob.get(k), depth + 1, out);
            return;
        }
        out.add(at);
    }

    private final class PricingCatalog extends ModelCatalog {
        PricingCatalog() {
            super(List.of());
        }

        @Override
        public Optional<ModelSpec> find(String id) {
            Optional<ModelSpec> m = current.get().catalog().find(id);
            return m.isPresent() || id == null ? m : Optional.ofNullable(retired.get(id));
        }

        @Override
        public List<ModelSpec> all() {
            return current.get().catalog().all();
        }
    }
}
