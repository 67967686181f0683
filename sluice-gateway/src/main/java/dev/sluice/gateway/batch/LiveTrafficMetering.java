package dev.sluice.gateway.batch;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Futures;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.Headers;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;

/**
 * Counts a live (non-batch) model request in {@link LiveTraffic} from the moment it reaches the upstream call until
 * it has ended, so batch runners yield to it. Requests sent by a batch runner ({@code x-sluice-priority: batch}) are
 * not counted.
 */
public final class LiveTrafficMetering implements Stage {
    private static final CharSequence PRIORITY = HttpHeaders.createOptimized(Headers.SLUICE_PRIORITY);
    private final LiveTraffic live;

    public LiveTrafficMetering(LiveTraffic live) {
        this.live = live;
    }

    @Override
    public StageOrder order() {
        return StageOrder.LIVE_TRAFFIC_METERING;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        if (LoopbackClient.PRIORITY_VALUE.equals(ex.header(PRIORITY))) return next.proceed(ex);
        live.started();
        return Futures.whenDone(next.proceed(ex), ending -> live.ended());
    }
}
