package dev.sluice.gateway.stages;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.Headers;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;

/**
 * The OpenAI SDKs send {@code OpenAI-Organization} / {@code OpenAI-Project} when configured; a key used with headers
 * naming another organization or project is a misconfigured client, and answering for the key's own project would
 * bill the wrong one (401 invalid_organization / invalid_project). Absent or empty headers are fine.
 */
public final class RequestHeadersMatch implements Stage {
    private static final int MAX_ECHO = 64;
    private static final CharSequence ORGANIZATION = HttpHeaders.createOptimized(Headers.REQUEST_ORGANIZATION);
    private static final CharSequence PROJECT = HttpHeaders.createOptimized(Headers.REQUEST_PROJECT);

    @Override
    public StageOrder order() {
        return StageOrder.REQUEST_HEADERS_MATCH;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        String org = trimmed(ex.header(ORGANIZATION));
        if (org != null && !org.equals(ex.caller().orgId())) {
            return Future.failedFuture(ApiException.of(ErrorKind.INVALID_ORGANIZATION, "org", echo(org)));
        }
        String project = trimmed(ex.header(PROJECT));
        if (project != null && !project.equals(ex.caller().projectId())) {
            return Future.failedFuture(ApiException.of(ErrorKind.INVALID_PROJECT, "project", echo(project)));
        }
        return next.proceed(ex);
    }

    private static String trimmed(String h) {
        return h == null || h.isBlank() ? null : h.strip();
    }

    /** The header value as sent, shortened and restricted to id characters so a message cannot carry anything else. */
    private static String echo(String v) {
        String s = v.replaceAll("[^A-Za-z0-9_.-]", "?");
        return s.length() > MAX_ECHO ? s.substring(0, MAX_ECHO) + "…" : s;
    }
}
