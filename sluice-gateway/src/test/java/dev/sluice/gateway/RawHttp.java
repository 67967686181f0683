package dev.sluice.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP/1.1 over a plain socket, byte for byte, for requests no HTTP client would send; and the contract check. */
final class RawHttp {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RawHttp() {}

    /** One parsed answer; {@code raw} is the status line and headers as received. */
    record Response(String statusLine, int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A socket from {@code from} (a loopback address, so per-address caps can be told apart) to the port. */
    static Socket connect(String from, int port, int timeoutMs) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(timeoutMs);
        if (from != null) s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeoutMs);
        return s;
    }

    /** Sends {@code request} on a new connection and reads one answer (null when closed without one). */
    static Response exchange(int port, byte[] request, int timeoutMs) throws IOException {
        try (Socket s = connect(null, port, timeoutMs)) {
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // the gateway may answer and close before reading everything; the answer is still there
            }
            return read(s.getInputStream());
        }
    }

    static Response exchange(int port, String request, int timeoutMs) throws IOException {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), timeoutMs);
    }

    /** Reads one answer: status line, headers, and a body of content-length bytes (or to the end of the stream). */
    static Response read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        int c;
        try {
            while (state < 4 && (c = in.read()) >= 0) {
                head.write(c);
                state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                        ? state + 1 : c == '\r' ? 1 : 0;
            }
        } catch (java.net.SocketException e) {
            if (head.size() == 0) return null; // reset without an answer
            throw e;
        }
        if (head.size() == 0) return null;
        if (state < 4) throw new IOException("truncated head: " + head.toString(StandardCharsets.ISO_8859_1));
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        String[] status = lines[0].split(" ", 3);
        int code = Integer.parseInt(status[1]);
        byte[] body;
        String length = headers.get("content-length");
        if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
        } else if (code == 100 || code == 204 || code == 304) {
            body = new byte[0];
        } else {
            body = in.readAllBytes();
        }
        return new Response(lines[0], code, headers, new String(body, StandardCharsets.UTF_8));
    }

    /**
     * The whole contract of an error answer from the HTTP layer: an HTTP/1.1 status line, JSON with the four fields,
     * {@code x-request-id} and {@code x-should-retry}. Returns the error object.
     */
    static JsonNode assertContract(Response r, int status, String code, boolean shouldRetry) {
        assertThat(r).as("an answer, not a silent close").isNotNull();
        assertThat(r.statusLine()).as("status line").startsWith("HTTP/1.1 " + status + " ");
        assertThat(r.header("content-type")).as("content type of %s", r.body()).startsWith("application/json");
        assertThat(r.header("x-request-id")).as("x-request-id").matches("req_[0-9a-f]{32}");
        assertThat(r.header("x-should-retry")).as("x-should-retry").isEqualTo(String.valueOf(shouldRetry));
        JsonNode err = errorOf(r);
        assertThat(err).as("error object in %s", r.body()).isNotNull();
        assertThat(err.has("message") && err.has("type") && err.has("param") && err.has("code")).as(r.body()).isTrue();
        if (code != null) assertThat(err.get("code").asText()).as(r.body()).isEqualTo(code);
        assertThat(err.get("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain(".java");
        return err;
    }

    /** The {@code error} object of a JSON body, or null when the body is not one. */
    static JsonNode errorOf(Response r) {
        try {
            JsonNode n = JSON.readTree(r.body());
            return n == null ? null : n.get("error");
        } catch (IOException e) {
            return null;
        }
    }

    /** Descriptors this process holds now (Linux). */
    static int openDescriptors() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What this process's descriptors point at, counted by kind (socket, pipe, a file's directory), for messages. */
    static Map<String, Integer> descriptorKinds() {
        Map<String, Integer> kinds = new java.util.TreeMap<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            s.forEach(fd -> {
                String k;
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    k = target.startsWith("socket:") ? "socket" : target.startsWith("pipe:") ? "pipe"
                            : target.startsWith("anon_inode:") ? target
                            : target.contains("/") ? target.substring(0, target.lastIndexOf('/')) : target;
                } catch (IOException e) {
                    k = "gone";
                }
                kinds.merge(k, 1, Integer::sum);
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return kinds;
    }

    /**
     * Connections the server side of {@code ports} still holds open (ESTABLISHED or CLOSE_WAIT with that local
     * port, from /proc/net/tcp and tcp6): each is a descriptor of the gateway.
     */
    static int serverConnections(int... ports) {
        java.util.Set<Integer> wanted = new java.util.HashSet<>();
        for (int p : ports) wanted.add(p);
        int n = 0;
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 4 || !f[1].contains(":")) continue;
                    int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                    if (wanted.contains(local) && (f[3].equals("01") || f[3].equals("08"))) n++;
                }
            } catch (IOException | NumberFormatException e) {
                // no such table here
            }
        }
        return n;
    }

    /** The /proc/net/tcp lines of connections whose local or remote port is one of {@code ports} (for messages). */
    static List<String> connectionLines(int... ports) {
        java.util.Set<Integer> wanted = new java.util.HashSet<>();
        for (int p : ports) wanted.add(p);
        List<String> out = new java.util.ArrayList<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 4 || !f[1].contains(":")) continue;
                    int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                    int remote = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
                    if ((wanted.contains(local) || wanted.contains(remote)) && (f[3].equals("01") || f[3].equals("08"))) {
                        out.add(f[1] + " " + f[2] + " st=" + f[3] + " q=" + f[4]);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // no such table here
            }
        }
        return out;
    }
}
