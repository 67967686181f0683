package dev.sluice.client.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** A {@code multipart/form-data} body built in memory, so that every retry sends the same bytes. */
public final class Multipart {
    private final String boundary = "sluice-" + UUID.randomUUID().toString().replace("-", "");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Multipart field(String name, String value) {
        head("Content-Disposition: form-data; name=\"" + quote(name) + "\"");
        write(value.getBytes(StandardCharsets.UTF_8));
        write("\r\n");
        return this;
    }

    public Multipart file(String name, String filename, String contentType, byte[] content) {
        head("Content-Disposition: form-data; name=\"" + quote(name) + "\"; filename=\"" + quote(filename) + "\"\r\n"
                + "Content-Type: " + contentType);
        write(content);
        write("\r\n");
        return this;
    }

    public String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream copy = new ByteArrayOutputStream(out.size() + boundary.length() + 8);
        copy.writeBytes(out.toByteArray());
        copy.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return copy.toByteArray();
    }

    private void head(String headers) {
        write("--" + boundary + "\r\n" + headers + "\r\n\r\n");
    }

    private void write(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private void write(byte[] b) {
        out.writeBytes(b);
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "").replace("\n", "");
    }
}
