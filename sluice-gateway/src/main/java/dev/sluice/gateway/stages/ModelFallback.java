package dev.sluice.gateway.stages;

import dev.sluice.gateway.models.ModelCatalog;
import dev.sluice.gateway.models.ModelSpec;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Futures;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Model fallbacks, right before the upstream call: when every deployment of the model failed with a retryable or
 * unavailable error ({@code bad_gateway}, {@code upstream_unavailable}, {@code upstream_timeout}), the model's
 * {@code fallbacks} are tried in order; when the provider said the prompt is too long
 * ({@code context_length_exceeded}), its {@code context_window_fallbacks}. Only before the first byte reached the
 * caller (a started stream ends with its in-band error instead). The answer names the model that served in
 * {@code x-sluice-fallback-model}; the exchange then carries that model, so the one usage record (and its price)
 * is the serving model's; the fallback's family's rate limits are decided again (the requested model's token
 * reservation is refunded when the request ends). Sluice's own context check uses {@link ModelSwitch#forContext} before any
 * limit is charged.
 */
public final class ModelFallback implements Stage {
    /** Response header naming the model that served instead of the requested one. */
    public static final String HEADER = ModelSwitch.HEADER;
    private static final Set<ErrorKind> UNAVAILABLE =
            Set.of(ErrorKind.BAD_GATEWAY, ErrorKind.UPSTREAM_UNAVAILABLE, ErrorKind.UPSTREAM_TIMEOUT);

    private final ModelCatalog catalog;
    private final Stage rateLimits;

    /** {@code rateLimits} is run again for a fallback model, so its family's limits are the ones charged. */
    public ModelFallback(ModelCatalog catalog, Stage rateLimits) {
        this.catalog = catalog;
        this.rateLimits = rateLimits;
    }

    @Override
    public StageOrder order() {
        return StageOrder.MODEL_FALLBACK;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        ModelSpec model = ex.model();
        // a model with nowhere to fall back to hands the answer on as it is, with no future operation on it
        if (model == null || model.fallbacks().isEmpty() && model.contextWindowFallbacks().isEmpty()) {
            return next.proceed(ex);
        }
        return attempt(ex, next, model, 0, 0, false);
    }

    /** Runs the call on the current model; on a fallback-worthy failure, moves to the next candidate. */
    private Future<Answer> attempt(Exchange ex, Chain next, ModelSpec primary, int fallbackIndex, int contextIndex,
                                 boolean switched) {
        // next.proceed's answer never fails (Stage.Chain); the rate-limit stage run again for a fallback may
        Future<Answer> run = switched
                ? rateLimits.apply(ex, next).otherwise(Answer::failed)
                : next.proceed(ex);
        // Only an error answer can move to another model: a stream has started, a whole body is an answer.
        return Futures.compose(run, answer -> {
            if (!(answer instanceof Answer.Failed failed) || !(failed.error() instanceof ApiException e)) {
                return Future.succeededFuture(answer);
            }
            if (UNAVAILABLE.contains(e.kind())) {
                Optional<ModelSpec> fb = candidate(primary.fallbacks(), fallbackIndex, ex);
                if (fb.isPresent()) {
                    ModelSwitch.switchTo(ex, fb.get());
                    return attempt(ex, next, primary, primary.fallbacks().indexOf(fb.get().id()) + 1, contextIndex,
                            true).map(a -> a.inherit(answer));
                }
            } else if (e.kind() == ErrorKind.CONTEXT_LENGTH_EXCEEDED) {
                Optional<ModelSpec> fb = candidate(primary.contextWindowFallbacks(), contextIndex, ex);
                if (fb.isPresent()) {
                    ModelSwitch.switchTo(ex, fb.get());
                    return attempt(ex, next, primary, fallbackIndex,
                            primary.contextWindowFallbacks().indexOf(fb.get().id()) + 1, true).map(a -> a.inherit(answer));
                }
            }
            return Future.succeededFuture(answer);
        });
    }

    /** The first model of {@code ids} from {@code from} on that exists and has the caller's modality. */
    private Optional<ModelSpec> candidate(List<String> ids, int from, Exchange ex) {
        for (int i = from; i < ids.size(); i++) {
            Optional<ModelSpec> m = catalog.find(ids.get(i)).filter(s -> s.modality() == ex.model().modality());
            if (m.isPresent()) return m;
        }
        return Optional.empty();
    }
}
