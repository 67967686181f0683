package dev.sluice.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback helpers for tests: a port that was free a moment ago, a base URL where nothing listens. */
public final class Loopback {
    private Loopback() {}

    /** A loopback port nothing listens on now (the OS picked it and it was released). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback base URL ({@code …/v1}) where nothing listens: connecting is refused. */
    public static String refusedUrl() {
        return "http://127.0.0.1:" + freePort() + "/v1";
    }
}
