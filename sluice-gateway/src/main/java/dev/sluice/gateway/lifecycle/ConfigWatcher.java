package dev.sluice.gateway.lifecycle;

import dev.sluice.gateway.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

/**
 * {@code reload.watch: true}: reloads when the config file changes (written in place, replaced by a rename, or a
 * Kubernetes ConfigMap's symlink swap in its directory). Events within {@link #SETTLE_MS} are taken as one change.
 */
public final class ConfigWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    static final long SETTLE_MS = 300;
    private final WatchService watch;
    private final Thread thread;

    private ConfigWatcher(WatchService watch, Thread thread) {
        this.watch = watch;
        this.thread = thread;
    }

    public static ConfigWatcher start(Path file, ConfigReloader reloader) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        WatchService ws = FileSystems.getDefault().newWatchService();
        dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        Thread t = Thread.ofPlatform().daemon(true).name("sluice-config-watch").unstarted(() -> run(ws, reloader));
        t.start();
        LOG.info("watching {} for changes (reload.watch)", file);
        return new ConfigWatcher(ws, t);
    }

    private static void run(WatchService ws, ConfigReloader reloader) {
        try {
            while (true) {
                WatchKey key = ws.take();
                key.pollEvents();
                key.reset();
                // let the writer finish: collect what follows within the settle time
                WatchKey more;
                while ((more = ws.poll(SETTLE_MS, TimeUnit.MILLISECONDS)) != null) {
                    more.pollEvents();
                    more.reset();
                }
                try {
                    reloader.reload("config file changed");
                } catch (ConfigException refused) {
                    // logged and counted by the reloader
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (IOException ignored) {
            // closing
        }
        thread.interrupt();
    }
}
