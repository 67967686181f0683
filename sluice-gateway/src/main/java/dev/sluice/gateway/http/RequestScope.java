package dev.sluice.gateway.http;

import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.Exchange;
import io.vertx.core.Promise;

/** What the access log needs about one request, kept on the routing context from its first handler on. */
final class RequestScope {
    static final String KEY = "sluice.scope";
    final String requestId;
    final long startNanos;
    String route;
    String errorCode;
    /** The contract type of the error answer, null on success. */
    String errorType;
    /** The request's trace context (its server span), null when tracing is off. */
    io.opentelemetry.context.Context trace;
    Exchange exchange;
    String method;
    String path;
    String ip;
    /** Completed when the caller goes away before its answer has ended (the exchange's {@code cancelled()}). */
    final Promise<Void> cancel = Promise.promise();
    /** The pipeline's answer, null until it has one (or when no pipeline runs). */
    Answer answer;
    /** The error code the answer itself reports (a stream's in-band error, a cancelled upstream call). */
    String answerCode;
    /** The response has ended or the connection closed; {@link #status} is then what the caller got. */
    boolean socketEnded;
    int status;
    /** The access line, metrics and end-of-request work have run. */
    boolean settled;
    /** Nanoseconds from the start to the answer's headers (a stream's first event), -1 before. */
    long headersNanos = -1;
    dev.sluice.gateway.access.ClientAddress client;
    /** Counts the request as in flight until its usage record is written (graceful drain). */
    dev.sluice.gateway.lifecycle.InFlightRequests.Ticket ticket;

    RequestScope(String requestId, long startNanos) {
        this.requestId = requestId;
        this.startNanos = startNanos;
    }
}
