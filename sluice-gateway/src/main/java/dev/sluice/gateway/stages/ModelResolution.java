package dev.sluice.gateway.stages;

import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

/**
 * Finds the requested model in the catalogue (404 model_not_found). Whether this caller may see it, and use it on
 * this endpoint, is {@link ModelAccess}'s question: answering "wrong modality" here would reveal a hidden model.
 */
public final class ModelResolution implements Stage {
    private final ModelCatalog catalog;

    public ModelResolution(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public StageOrder order() {
        return StageOrder.MODEL_RESOLUTION;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        if (!ex.endpoint().modelRequest()) return next.proceed(ex);
        ModelSpec model = catalog.find(ex.modelId())
                .orElseThrow(() -> ApiException.at(ErrorKind.MODEL_NOT_FOUND, "model", "model", ex.modelId()));
        ex.model(model);
        return next.proceed(ex);
    }
}
