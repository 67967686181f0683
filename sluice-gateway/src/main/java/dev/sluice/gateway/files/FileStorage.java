package dev.sluice.gateway.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Where file bytes live: {@code <data_dir>/files/<name>}, with uploads streamed into {@code files/tmp} first and
 * moved into place only once complete, so a crash never leaves a half file under a real name. Blocking: call it
 * from worker threads.
 */
public final class FileStorage {
    private final Path root;
    private final Path tmp;

    public FileStorage(Path dataDir) {
        this.root = dataDir.resolve("files");
        this.tmp = root.resolve("tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + tmp, e);
        }
    }

    public Path path(String name) {
        if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("not a storage name: " + name);
        }
        return root.resolve(name);
    }

    /** A fresh path for an upload in progress. */
    public Path newTemp() {
        return tmp.resolve(UUID.randomUUID() + ".part");
    }

    /** Moves a finished temporary file into place under {@code name}. */
    public void commit(Path temp, String name) {
        try {
            Files.move(temp, path(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Gives the bytes of {@code name} a second name (a hard link; a copy where links are not supported), so the
     * second survives a delete of the first. An existing {@code alias} is kept.
     */
    public void alias(String name, String alias) {
        Path target = path(alias);
        if (Files.exists(target)) return;
        try {
            Files.createLink(target, path(name));
        } catch (FileAlreadyExistsException e) {
            // a previous attempt made it
        } catch (UnsupportedOperationException | IOException e) {
            try {
                Path t = newTemp();
                Files.copy(path(name), t);
                Files.move(t, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException copy) {
                throw new UncheckedIOException(copy);
            }
        }
    }

    public void delete(String name) {
        try {
            Files.deleteIfExists(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a stray temporary file is harmless
        }
    }
}
