package dev.sluice.gateway.files;

import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;

import java.nio.file.Path;

/**
 * Reads a {@code multipart/form-data} upload straight to a temporary file, chunk by chunk with back-pressure, so a
 * 200 MB file never sits in memory. Bytes and JSONL lines are counted as they stream; crossing a limit stops the
 * upload at once (413 for bytes, 400 for lines) and removes the partial file.
 */
final class MultipartUpload {
    /** Room for the multipart framing and the small form fields around the file part. */
    private static final long FRAMING_SLACK = 64 * 1024;

    /** A complete upload: the bytes in {@code temp}, and the form's {@code purpose} field (null if absent). */
    record Received(Path temp, String filename, long bytes, int lines, String purpose) {}

    private final Vertx vertx;
    private final HttpServerRequest request;
    private final Path temp;
    private final long maxBytes;
    private final int maxLines;
    private final Promise<Received> done = Promise.promise();
    private AsyncFile file;
    private boolean sawFile;
    private String filename;
    private long bytes;
    private int lines;
    private boolean lineHasText;
    private boolean failed;
    private boolean requestEnded;
    private boolean partEnded;

    private MultipartUpload(Vertx vertx, HttpServerRequest request, Path temp, long maxBytes, int maxLines) {
        this.vertx = vertx;
        this.request = request;
        this.temp = temp;
        this.maxBytes = maxBytes;
        this.maxLines = maxLines;
    }

    /** Starts reading the (paused) request; the future completes when the whole body is on disk. */
    static Future<Received> read(Vertx vertx, HttpServerRequest request, Path temp, long maxBytes, int maxLines) {
        String type = request.getHeader("content-type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
            return Future.failedFuture(ApiException.at(ErrorKind.INVALID_VALUE, "file", "why",
                    "upload the file as multipart/form-data with a 'file' part and a 'purpose' field"));
        }
        String length = request.getHeader("content-length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBytes + FRAMING_SLACK) {
                    return Future.failedFuture(ApiException.of(ErrorKind.REQUEST_TOO_LARGE, "n", length.trim(),
                            "max", String.valueOf(maxBytes)));
                }
            } catch (NumberFormatException ignored) {
                // the HTTP layer rejects a malformed length itself
            }
        }
        return new MultipartUpload(vertx, request, temp, maxBytes, maxLines).start();
    }

    private Future<Received> start() {
        vertx.fileSystem().open(temp.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
                .onFailure(done::tryFail)
                .onSuccess(f -> {
                    file = f;
                    request.setExpectMultipart(true);
                    request.uploadHandler(this::part);
                    request.exceptionHandler(this::abort);
                    request.endHandler(v -> {
                        requestEnded = true;
                        finish();
                    });
                    // curl and others wait for this before sending a large body
                    if ("100-continue".equalsIgnoreCase(request.getHeader("expect"))) request.response().writeContinue();
                    request.resume();
                });
        return done.future();
    }

    private void part(HttpServerFileUpload upload) {
        if (!"file".equals(upload.name()) || sawFile) {
            upload.handler(b -> { }); // other parts are read and dropped
            return;
        }
        sawFile = true;
        filename = upload.filename();
        upload.handler(buf -> {
            if (failed) return;
            bytes += buf.length();
            if (bytes > maxBytes) {
                abort(ApiException.of(ErrorKind.REQUEST_TOO_LARGE, "n", "more than " + maxBytes, "max",
                        String.valueOf(maxBytes)));
                return;
            }
            countLines(buf);
            if (lines > maxLines) {
                abort(ApiException.at(ErrorKind.INVALID_VALUE, "file", "why",
                        "the file has more than " + maxLines + " lines, the limit per file"));
                return;
            }
            file.write(buf);
            if (file.writeQueueFull()) {
                upload.pause();
                file.drainHandler(v -> upload.resume());
            }
        });
        upload.exceptionHandler(this::abort);
        upload.endHandler(v -> {
            partEnded = true;
            finish();
        });
    }

    private void countLines(Buffer buf) {
        byte[] b = buf.getBytes();
        for (byte c : b) {
            if (c == '\n') {
                if (lineHasText) lines++;
                lineHasText = false;
            } else if (c != ' ' && c != '\t' && c != '\r') {
                lineHasText = true;
            }
        }
    }

    /** Once the request and the file part (its buffered chunks may trail the request's end) have both ended. */
    private void finish() {
        if (failed || !requestEnded || (sawFile && !partEnded)) return;
        if (lineHasText) lines++;
        lineHasText = false;
        if (lines > maxLines) {
            abort(ApiException.at(ErrorKind.INVALID_VALUE, "file", "why",
                    "the file has more than " + maxLines + " lines, the limit per file"));
            return;
        }
        String purpose = request.formAttributes().get("purpose");
        file.close().onComplete(c -> {
            if (c.failed()) {
                abort(c.cause());
                return;
            }
            if (!sawFile) {
                vertx.fileSystem().delete(temp.toString())
                        .onComplete(v -> done.tryFail(ApiException.at(ErrorKind.MISSING_PARAMETER, "file")));
                return;
            }
            done.tryComplete(new Received(temp, filename, bytes, lines, purpose));
        });
    }

    private void abort(Throwable why) {
        if (failed) return;
        failed = true;
        String path = temp.toString();
        // The answer goes out only once the partial file is gone.
        Future<Void> closed = file != null ? file.close() : Future.succeededFuture();
        closed.transform(v -> vertx.fileSystem().delete(path)).onComplete(v -> done.tryFail(why));
    }
}
