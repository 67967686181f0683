package dev.sluice.gateway.pipeline;

import dev.sluice.gateway.usage.Outcome;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What a pipeline gives back for a request: a whole body, a stream, a file download, an error, or nothing because the
 * caller has gone; passed back up the stages, with the end-of-request work they attach travelling with it. Only the HTTP adapter ({@code http.PublicApi}) writes an answer to the socket. A stage
 * sees the answer of the stages after it as the result of {@code next.proceed(ex)}, and attaches the work it must do
 * once the request has ended with {@link #whenDone}; the adapter runs that work once, innermost stage first, with the
 * request's {@link Ending} — also when the caller left (the ending then says {@link Outcome#CANCELLED}).
 */
public abstract sealed class Answer {
    private static final Logger LOG = LoggerFactory.getLogger(Answer.class);
    /** The end-of-request work, in order: a {@code Consumer<Ending>} (whenDone) or a {@code Function<Ending, Future<?>>}. */
    private final List<Object> afterwards = new ArrayList<>(2);

    private Answer() {}

    /** A whole JSON body. */
    public static Whole json(int status, Buffer body) {
        return new Whole(status, "application/json", body);
    }

    /** A whole JSON body. */
    public static Whole json(int status, String body) {
        return json(status, Buffer.buffer(body));
    }

    /** A whole body of {@code contentType} (null: the type comes with the exchange's response headers). */
    public static Whole whole(int status, String contentType, Buffer body) {
        return new Whole(status, contentType, body);
    }

    /** A stream of server-sent events, written by {@code source} once the adapter has sent the head. */
    public static Stream stream(StreamSource source) {
        return new Stream(source);
    }

    /** A file sent as it is stored, with its content type and disposition. */
    public static Download file(String path, Map<String, String> headers) {
        return new Download(path, headers);
    }

    /** An error: the adapter writes the contract's JSON error for it (any other throwable becomes 500). */
    public static Failed failed(Throwable error) {
        return new Failed(error);
    }

    /** No answer: the caller went away first. {@code errorCode} is what the request reports (null for none). */
    public static Gone gone(String errorCode) {
        return new Gone(errorCode);
    }

    /** Runs {@code work} once the request has ended (answered, failed or abandoned by its caller). */
    public final Answer whenDone(Consumer<Ending> work) {
        afterwards.add(new Now(work));
        return this;
    }

    /** As {@link #whenDone(Consumer)}; the work of the stages around this one waits for the returned future. */
    public final Answer whenDoneAsync(Function<Ending, Future<?>> work) {
        afterwards.add(work);
        return this;
    }

    /** Work attached with {@link #whenDone}: it is done when it returns. */
    private record Now(Consumer<Ending> work) {}

    /** Takes over the end-of-request work already attached to {@code inner} (an answer replaced by this one). */
    public final Answer inherit(Answer inner) {
        if (inner != null && inner != this) afterwards.addAll(0, inner.afterwards);
        return this;
    }

    /**
     * Called once by the HTTP adapter when the request has ended: runs the attached work in order, each after the
     * previous one's future, a failure logged and not stopping the rest. Completes when all of it has.
     */
    public final Future<Void> ended(Ending ending) {
        return endedFrom(0, ending);
    }

    /**
     * Runs the work from index {@code from} on: synchronous work and work whose future is already complete in a
     * loop (no future operation per item); from the first pending future on, each later item after it.
     */
    @SuppressWarnings("unchecked")
    private Future<Void> endedFrom(int from, Ending ending) {
        for (int i = from; i < afterwards.size(); i++) {
            Future<?> f;
            try {
                if (afterwards.get(i) instanceof Now now) {
                    now.work().accept(ending);
                    continue;
                }
                f = ((Function<Ending, Future<?>>) afterwards.get(i)).apply(ending);
            } catch (RuntimeException e) {
                LOG.warn("end-of-request work failed", e);
                continue;
            }
            if (!f.isComplete()) {
                int next = i + 1;
                return f.transform(ar -> {
                    if (ar.failed()) logFailure(ar.cause());
                    return endedFrom(next, ending);
                });
            }
            if (f.failed()) logFailure(f.cause());
        }
        return Future.succeededFuture();
    }

    private static void logFailure(Throwable err) {
        LOG.warn("end-of-request work failed: {}", err.toString());
    }

    /** A whole body with its status and content type. */
    public static final class Whole extends Answer {
        private final int status;
        private final String contentType;
        private final Buffer body;

        private Whole(int status, String contentType, Buffer body) {
            this.status = status;
            this.contentType = contentType;
            this.body = body;
        }

        public int status() { return status; }

        public String contentType() { return contentType; }

        public Buffer body() { return body; }
    }

    /** A 200 {@code text/event-stream}; its source writes the events and says how the stream ended. */
    public static final class Stream extends Answer {
        private final StreamSource source;

        private Stream(StreamSource source) {
            this.source = source;
        }

        public StreamSource source() { return source; }
    }

    /** A 200 file download. */
    public static final class Download extends Answer {
        private final String path;
        private final Map<String, String> headers;

        private Download(String path, Map<String, String> headers) {
            this.path = path;
            this.headers = Map.copyOf(headers);
        }

        public String path() { return path; }

        public Map<String, String> headers() { return headers; }
    }

    /** An error answer, written by the adapter as the contract's JSON error (one place: {@code ErrorResponses}). */
    public static final class Failed extends Answer {
        private final Throwable error;

        private Failed(Throwable error) {
            this.error = error;
        }

        public Throwable error() { return error; }

        /** The catalogue error, or null for an unexpected fault (answered as 500 internal_error). */
        public ApiException apiError() {
            return error instanceof ApiException e ? e : null;
        }
    }

    /** Nothing to write: the caller had gone before there was an answer. */
    public static final class Gone extends Answer {
        private final String errorCode;

        private Gone(String errorCode) {
            this.errorCode = errorCode;
        }

        public String errorCode() { return errorCode; }
    }
}
