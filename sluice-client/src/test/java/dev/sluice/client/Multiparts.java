package dev.sluice.client;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test-side reader of multipart/form-data bodies: part name → content (as UTF-8 text). */
public final class Multiparts {
    private Multiparts() {}

    public static Map<String, String> parse(String contentType, byte[] body) {
        String boundary = "--" + contentType.substring(contentType.indexOf("boundary=") + 9);
        String text = new String(body, StandardCharsets.UTF_8);
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : text.split(java.util.regex.Pattern.quote(boundary))) {
            if (part.startsWith("--") || part.isBlank()) continue;
            int split = part.indexOf("\r\n\r\n");
            String head = part.substring(0, split);
            String content = part.substring(split + 4, part.length() - 2); // drop the CRLF before the next boundary
            int n = head.indexOf("name=\"") + 6;
            parts.put(head.substring(n, head.indexOf('"', n)), content);
        }
        return parts;
    }
}
