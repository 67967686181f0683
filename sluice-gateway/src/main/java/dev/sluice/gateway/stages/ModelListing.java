package dev.sluice.gateway.stages;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.gateway.access.AccessPolicy;
import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Answers {@code GET /v1/models} and {@code GET /v1/models/{id}} from the catalogue, with {@code context_window} and
 * {@code max_output_tokens} as extra fields, showing only the models the caller may use: one outside its
 * organization's tier or not allowed for its organization or project is neither listed nor shown (404).
 */
public final class ModelListing implements Stage {
    private static final JsonFactory JSON = new JsonFactory();
    private final ModelCatalog catalog;
    private final PolicyResolver policies;

    public ModelListing(ModelCatalog catalog, PolicyResolver policies) {
        this.catalog = catalog;
        this.policies = policies;
    }

    @Override
    public StageOrder order() {
        return StageOrder.TERMINAL;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        return policies.policy(ex.caller()).compose(policy -> {
            String body;
            if (ex.endpoint() == Endpoint.MODELS_GET) {
                // the whole rest of the path as sent: a trailing slash is part of the id asked for (a clear 404)
                String id = Exchange.decodePath(ex.path().substring("/v1/models/".length()));
                String modelId = id;
                ModelSpec m = catalog.find(id).filter(s -> usable(policy, s))
                        .orElseThrow(() -> ApiException.at(ErrorKind.MODEL_NOT_FOUND, "model", "model", modelId));
                body = write(List.of(m), false);
            } else {
                body = write(catalog.all().stream().filter(s -> usable(policy, s)).toList(), true);
            }
            return Future.succeededFuture(Answer.json(200, body));
        });
    }

    private static boolean usable(AccessPolicy policy, ModelSpec m) {
        return policy.sees(m.id()) && policy.mayUse(m.id());
    }

    private static String write(List<ModelSpec> models, boolean list) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            if (list) {
                g.writeStartObject();
                g.writeStringField("object", "list");
                g.writeArrayFieldStart("data");
            }
            for (ModelSpec m : models) {
                g.writeStartObject();
                g.writeStringField("id", m.id());
                g.writeStringField("object", "model");
                g.writeNumberField("created", m.created());
                g.writeStringField("owned_by", "sluice");
                g.writeStringField("family", m.family());
                g.writeStringField("modality", m.modality().wireName());
                g.writeNumberField("context_window", m.contextWindow());
                g.writeNumberField("max_output_tokens", m.maxOutputTokens());
                g.writeEndObject();
            }
            if (list) {
                g.writeEndArray();
                g.writeEndObject();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
