package dev.sluice.gateway.files;

import dev.sluice.gateway.validation.ListQuery;
import dev.sluice.gateway.config.SluiceConfig;
import dev.sluice.gateway.pipeline.Answer;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.gateway.pipeline.Caller;
import dev.sluice.gateway.pipeline.Exchange;
import dev.sluice.gateway.pipeline.Stage;
import dev.sluice.gateway.pipeline.StageOrder;
import dev.sluice.gateway.store.FileRecord;
import dev.sluice.gateway.store.FileRecords;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;

/**
 * Answers {@code /v1/files}: upload ({@code purpose=batch}, JSONL, streamed to disk within the configured size and
 * line limits), list, retrieve, delete and content, each within the caller's project, so another project's file id
 * is answered like an unknown one (404 not_found).
 */
public final class FilesApi implements Stage {
    private final Vertx vertx;
    private final FileRecords records;
    private final FileStorage storage;
    private final SluiceConfig.FileLimits limits;
    private final Clock clock;

    public FilesApi(Vertx vertx, FileRecords records, FileStorage storage, SluiceConfig.FileLimits limits, Clock clock) {
        this.vertx = vertx;
        this.records = records;
        this.storage = storage;
        this.limits = limits;
        this.clock = clock;
    }

    @Override
    public StageOrder order() {
        return StageOrder.TERMINAL;
    }

    @Override
    public Future<Answer> apply(Exchange ex, Chain next) {
        Caller caller = ex.caller();
        return switch (ex.endpoint()) {
            case FILES_UPLOAD -> upload(ex, caller);
            case FILES_LIST -> {
                ListQuery p = ListQuery.ordered(ex.request().params(), 10_000, 10_000);
                String purpose = ListQuery.blankToNull(ex.request().getParam("purpose"));
                yield ex.blocking(() -> {
                            p.requireKnownAfter(id -> records.find(caller.projectId(), id).isPresent());
                            return records.list(caller.projectId(), purpose, p.after(), p.limit(), p.ascending());
                        })
                        .compose(page -> WireJson.ok(WireJson.list(page.items(), page.hasMore(), WireJson::file,
                                FileRecord::id)));
            }
            case FILES_GET -> find(ex, caller).compose(f -> WireJson.ok(WireJson.file(f)));
            case FILES_DELETE -> {
                String id = id(ex);
                yield ex.blocking(() -> {
                    FileRecord f = records.find(caller.projectId(), id).orElseThrow(() -> notFound(id));
                    if (!records.delete(caller.projectId(), id)) throw notFound(id);
                    storage.delete(f.storageName());
                    return f;
                }).compose(f -> WireJson.ok(WireJson.deleted(f.id(), "file")));
            }
            case FILES_CONTENT -> find(ex, caller).compose(f -> {
                Path p = storage.path(f.storageName());
                return ex.blocking(() -> Files.isRegularFile(p)).compose(exists -> {
                    if (!exists) return Future.failedFuture(notFound(f.id()));
                    return Future.succeededFuture(Answer.file(p.toString(), Map.of(
                            "content-type", "application/octet-stream",
                            "content-disposition", "attachment; filename=\""
                                    + f.filename().replaceAll("[^A-Za-z0-9._ -]", "_") + "\"")));
                });
            });
            default -> throw new IllegalStateException("not a files route: " + ex.endpoint());
        };
    }

    private Future<Answer> upload(Exchange ex, Caller caller) {
        Path temp = storage.newTemp();
        return MultipartUpload.read(vertx, ex.request(), temp, limits.maxBytes(), limits.maxLines(),
                        gone -> ex.cancelled().onSuccess(v -> gone.run()))
                .compose(r -> {
                    ApiException bad = check(r);
                    if (bad != null) {
                        return vertx.fileSystem().delete(r.temp().toString()).transform(v -> Future.failedFuture(bad));
                    }
                    return ex.blocking(() -> {
                        String id = FileRecords.newId();
                        FileRecord f = new FileRecord(id, caller.orgId(), caller.projectId(), r.purpose(),
                                r.filename(), r.bytes(), r.lines(), FileRecord.STATUS_PROCESSED, id, clock.instant());
                        try {
                            storage.commit(r.temp(), id);
                            records.insert(f);
                        } catch (RuntimeException e) {
                            FileStorage.deleteQuietly(r.temp()); // no stray .part (nor file) on any failure path
                            storage.delete(id);
                            throw e;
                        }
                        return f;
                    });
                })
                .compose(f -> WireJson.ok(WireJson.file(f)));
    }

    /** The form's rules: a purpose of {@code batch} and a {@code .jsonl} file. Null when the upload is fine. */
    private static ApiException check(MultipartUpload.Received r) {
        if (r.purpose() == null || r.purpose().isBlank()) return ApiException.at(ErrorKind.MISSING_PARAMETER, "purpose");
        if (!FileRecord.PURPOSE_BATCH.equals(r.purpose())) {
            return ApiException.at(ErrorKind.INVALID_VALUE, "purpose", "why",
                    "'" + r.purpose() + "' is not supported; Sluice accepts files with purpose 'batch'");
        }
        String name = r.filename() == null ? "" : r.filename();
        if (!name.toLowerCase(Locale.ROOT).endsWith(".jsonl")) {
            return ApiException.at(ErrorKind.INVALID_VALUE, "file", "why",
                    "invalid file format for the Batch API, it must be a .jsonl file (one JSON request per line)");
        }
        return null;
    }

    private Future<FileRecord> find(Exchange ex, Caller caller) {
        String id = id(ex);
        return ex.blocking(() -> records.find(caller.projectId(), id).orElseThrow(() -> notFound(id)));
    }

    /** The {@code {id}} segment of {@code /v1/files/{id}[/content]}. */
    private static String id(Exchange ex) {
        return ex.pathSegmentAfter("/v1/files/");
    }

    static ApiException notFound(String id) {
        return ApiException.of(ErrorKind.NOT_FOUND, "kind", "file", "id", id);
    }
}
