package dev.sluice.gateway.stages;

import dev.sluice.gateway.access.AccessPolicy;
import dev.sluice.gateway.models.Modality;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Endpoint;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

/**
 * May this caller use the resolved model here? A model outside the organization's tier does not exist for it (404
 * model_not_found, as for an unknown model, so nothing is revealed); a model of the wrong modality for the endpoint
 * is a 400 on {@code model}; a model the organization or project is not allowed to use is 403 model_not_allowed.
 */
public final class ModelAccess implements Stage, RequestPolicy.Check {
    private final PolicyResolver policies;

    public ModelAccess(PolicyResolver policies) {
        this.policies = policies;
    }

    @Override
    public StageOrder order() {
        return StageOrder.MODEL_ACCESS;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        if (ex.model() == null) return next.proceed(ex);
        return RequestPolicy.apply(ex, policies, this, next);
    }

    @Override
    public Future<Answer> check(AccessPolicy p, Exchange ex, Chain next) {
        check(p, ex, ex.model());
        return next.proceed(ex);
    }

    private static void check(AccessPolicy p, Exchange ex, ModelSpec model) {
        if (!p.sees(model.id())) {
            throw ApiException.at(ErrorKind.MODEL_NOT_FOUND, "model", "model", ex.modelId());
        }
        Modality needed = switch (ex.endpoint()) {
            case EMBEDDINGS -> Modality.EMBEDDINGS;
            case IMAGES -> Modality.IMAGES;
            default -> Modality.CHAT;
        };
        if (model.modality() != needed) {
            throw ApiException.at(ErrorKind.INVALID_VALUE, "model", "why", "'" + model.id() + "' is "
                    + article(model.modality()) + " model and cannot be used with " + route(ex.endpoint()));
        }
        if (!p.mayUse(model.id())) {
            throw ApiException.at(ErrorKind.MODEL_NOT_ALLOWED, "model", "project", ex.caller().projectId(), "model", model.id());
        }
    }

    private static String article(Modality m) {
        return switch (m) {
            case CHAT -> "a chat";
            case EMBEDDINGS -> "an embeddings";
            case IMAGES -> "an image";
        };
    }

    private static String route(Endpoint e) {
        return e.route();
    }
}
