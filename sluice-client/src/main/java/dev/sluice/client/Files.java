package dev.sluice.client;

import dev.sluice.client.internal.Json;
import dev.sluice.client.internal.Multipart;
import dev.sluice.client.internal.Transport;
import dev.sluice.protocol.wire.DeletionStatus;
import dev.sluice.protocol.wire.FileObject;
import dev.sluice.protocol.wire.ListPage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import static dev.sluice.client.Models.encode;

/** {@code /v1/files}: upload (multipart, with a purpose such as {@code batch}), retrieve, list, delete, content. */
public final class Files {
    private final Api api;

    Files(Api api) {
        this.api = api;
    }

    public FileObject upload(Path file, String purpose) {
        try {
            return upload(file.getFileName().toString(), java.nio.file.Files.readAllBytes(file), purpose);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FileObject upload(String filename, byte[] content, String purpose) {
        return upload(filename, content, purpose, RequestOptions.defaults());
    }

    /** The body is built once, so every retry sends the same bytes under the same Idempotency-Key. */
    public FileObject upload(String filename, byte[] content, String purpose, RequestOptions options) {
        Multipart mp = new Multipart().field("purpose", purpose)
                .file("file", filename, filename.endsWith(".jsonl") ? "application/jsonl" : "application/octet-stream",
                        content);
        return api.send(new Transport.Call("POST", "/files", mp.toBytes(), mp.contentType(), "application/json",
                false, null, options), Json.type(FileObject.class));
    }

    public FileObject retrieve(String id) {
        return api.json("GET", "/files/" + encode(id), null, Json.type(FileObject.class), RequestOptions.defaults());
    }

    public ListPage<FileObject> list() {
        return api.json("GET", "/files", null, Json.type(ListPage.class, FileObject.class), RequestOptions.defaults());
    }

    public DeletionStatus delete(String id) {
        return api.json("DELETE", "/files/" + encode(id), null, Json.type(DeletionStatus.class),
                RequestOptions.defaults());
    }

    /** The file's bytes ({@code GET /v1/files/{id}/content}). */
    public byte[] content(String id) {
        return content(id, RequestOptions.defaults());
    }

    public byte[] content(String id, RequestOptions options) {
        return api.bytes("/files/" + encode(id) + "/content", options);
    }
}
