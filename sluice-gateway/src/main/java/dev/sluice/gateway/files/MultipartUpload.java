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
 * upload at once (413 for bytes, 400 for lines) and removes the partial file. Any other failure — a missing or
 * invalid boundary, a malformed, unterminated or oversized form, a caller that leaves — ends the same way: the file
 * is closed and deleted before the answer (400 with {@code param: file} for a malformed form) goes out.
 */
final class MultipartUpload {
    /** Room for the multipart framing and the small form fields around the file part. */
    private static final long FRAMING_SLACK = 64 * 1024;
    /** The longest filename kept (OpenAI's own limit is of this order; file systems allow 255 bytes). */
    static final int MAX_FILENAME = 255;

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
    private boolean partPaused;
    private long partTimer = -1;

    private MultipartUpload(Vertx vertx, HttpServerRequest request, Path temp, long maxBytes, int maxLines) {
        this.vertx = vertx;
        this.request = request;
        this.temp = temp;
        this.maxBytes = maxBytes;
        this.maxLines = maxLines;
    }

    /**
     * Starts reading the (paused) request; the future completes when the whole body is on disk. {@code onGone}
     * registers what to run when the caller disconnects (the upload is aborted and its file removed).
     */
    static Future<Received> read(Vertx vertx, HttpServerRequest request, Path temp, long maxBytes, int maxLines,
                                 java.util.function.Consumer<Runnable> onGone) {
        String type = request.getHeader("content-type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
            return Future.failedFuture(ApiException.at(ErrorKind.INVALID_VALUE, "file", "why",
                    "upload the file as multipart/form-data with a 'file' part and a 'purpose' field"));
        }
        if (!validBoundary(type)) {
            return Future.failedFuture(malformed("the multipart boundary is missing or invalid"));
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
        MultipartUpload upload = new MultipartUpload(vertx, request, temp, maxBytes, maxLines);
        onGone.accept(() -> upload.abort(malformed("the connection closed before the upload completed")));
        return upload.start();
    }

    /** 1 to 70 characters of RFC 2046's boundary alphabet, quoted or not, and nothing after the closing quote. */
    static boolean validBoundary(String contentType) {
        String b = null;
        for (String p : contentType.split(";")) {
            String t = p.trim();
            if (t.regionMatches(true, 0, "boundary=", 0, 9)) {
                if (b != null) return false; // two boundaries: ambiguous
                b = t.substring(9);
            }
        }
        if (b == null) return false;
        if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) b = b.substring(1, b.length() - 1);
        if (b.isEmpty() || b.length() > 70 || b.endsWith(" ")) return false;
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 0x80) && "'()+_,-./:=? ".indexOf(c) < 0) return false;
        }
        return true;
    }

    /** A form the decoder cannot read: 400 with {@code param: file}, never a 500. */
    static ApiException malformed(String why) {
        return ApiException.at(ErrorKind.INVALID_VALUE, "file", "why", why);
    }

    private Future<Received> start() {
        vertx.fileSystem().open(temp.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
                .onFailure(done::tryFail)
                .onSuccess(f -> {
                    file = f;
                    if (failed) { // the caller left while the file was opening
                        failed = false;
                        abort(malformed("the connection closed before the upload completed"));
                        return;
                    }
                    try {
                        request.exceptionHandler(this::abort);
                        request.setExpectMultipart(true);
                        request.uploadHandler(this::part);
                        request.endHandler(v -> {
                            requestEnded = true;
                            finish();
                        });
                        // curl and others wait for this before sending a large body
                        if ("100-continue".equalsIgnoreCase(request.getHeader("expect"))) request.response().writeContinue();
                        request.resume();
                    } catch (RuntimeException e) {
                        abort(e);
                    }
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
        if (filename != null && filename.length() > MAX_FILENAME) {
            upload.handler(b -> { });
            abort(malformed("the filename is longer than " + MAX_FILENAME + " characters"));
            return;
        }
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
                partPaused = true;
                file.drainHandler(v -> {
                    partPaused = false;
                    upload.resume();
                });
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
        if (failed || !requestEnded) return;
        if (sawFile && !partEnded) {
            awaitPartEnd();
            return;
        }
        if (lineHasText) lines++;
        lineHasText = false;
        if (lines > maxLines) {
            abort(ApiException.at(ErrorKind.INVALID_VALUE, "file", "why",
                    "the file has more than " + maxLines + " lines, the limit per file"));
            return;
        }
        String purpose;
        try {
            purpose = request.formAttributes().get("purpose");
        } catch (RuntimeException e) {
            abort(e);
            return;
        }
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

    /**
     * The request ended but the file part did not: when the part is not held back by the disk, its end was
     * delivered before the request's, so the form lacks its closing boundary (400). A part paused for the disk gets
     * its end once resumed; it is checked again every second while its bytes still move.
     */
    private void awaitPartEnd() {
        if (!partPaused) {
            abort(malformed("the multipart body ends before the closing boundary of its file part"));
            return;
        }
        if (partTimer >= 0) return;
        long seen = bytes;
        partTimer = vertx.setTimer(1000, t -> {
            partTimer = -1;
            if (failed || partEnded) return;
            if (bytes == seen && !partPaused) {
                abort(malformed("the multipart body ends before the closing boundary of its file part"));
            } else {
                awaitPartEnd();
            }
        });
    }

    private void abort(Throwable why) {
        if (failed) return;
        failed = true;
        if (file == null && !done.future().isComplete()) return; // still opening: start() finishes the abort
        ApiException answer = why instanceof ApiException api ? api
                : malformed("the multipart body could not be read (malformed, unterminated or over a form limit)");
        String path = temp.toString();
        // The answer goes out only once the partial file is closed and gone.
        Future<Void> closed = file != null ? file.close().recover(e -> Future.succeededFuture())
                : Future.succeededFuture();
        closed.transform(v -> vertx.fileSystem().delete(path)).onComplete(v -> done.tryFail(answer));
    }
}
