package dev.sluice.gateway.lifecycle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.gateway.admin.AdminHttp;
import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.config.ConfigException;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The configuration on the admin port: {@code GET /v1/config} shows the generation in force and its models;
 * {@code POST /v1/config/reload} reloads sluice.yaml (as SIGHUP does) and answers what changed, or 422
 * {@code invalid_config} with the start-up validation message when the file is refused.
 */
public final class ConfigRoutes implements AdminRoutes {
    private final ConfigReloader reloader;

    public ConfigRoutes(ConfigReloader reloader) {
        this.reloader = reloader;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/config").handler(this::show);
        r.post("/v1/config/reload").handler(this::reload);
    }

    private void show(RoutingContext ctx) {
        ConfigReloader.Snapshot s = reloader.snapshot();
        ObjectNode o = AdminHttp.JSON.createObjectNode();
        o.put("object", "config");
        o.put("generation", s.generation());
        o.put("loaded_at", s.loadedAt().getEpochSecond());
        var models = o.putArray("models");
        for (ModelSpec m : s.catalog().all()) models.add(m.id());
        AdminHttp.reply(ctx, 200, o);
    }

    private void reload(RoutingContext ctx) {
        AdminHttp.blocking(ctx, 200, () -> {
            ConfigReloader.Applied a;
            try {
                a = reloader.reload("admin API");
            } catch (ConfigException e) {
                throw ApiException.of(ErrorKind.INVALID_CONFIG, "detail", e.getMessage());
            }
            ObjectNode o = AdminHttp.JSON.createObjectNode();
            o.put("object", "config.reload");
            o.put("status", a.changed() ? "applied" : "unchanged");
            o.put("generation", a.generation());
            o.set("models_added", AdminHttp.JSON.valueToTree(a.modelsAdded()));
            o.set("models_removed", AdminHttp.JSON.valueToTree(a.modelsRemoved()));
            o.set("models_changed", AdminHttp.JSON.valueToTree(a.modelsChanged()));
            o.set("restart_required", AdminHttp.JSON.valueToTree(a.restartRequired()));
            return o;
        });
    }
}
