package dev.sluice.bench.load;

import java.util.regex.Pattern;

/**
 * Keeps one named, generated section of a Markdown file current: the text between
 * {@code <!-- bench-load:NAME:begin -->} and {@code <!-- bench-load:NAME:end -->} is replaced; a file without the
 * section gets it appended at its end. Everything outside the markers is left byte for byte.
 */
public final class DocsSection {
    private DocsSection() {
    }

    public static String begin(String name) {
        return "<!-- bench-load:" + name + ":begin (written by ./sluice bench load --write-docs; edits inside are replaced) -->";
    }

    public static String end(String name) {
        return "<!-- bench-load:" + name + ":end -->";
    }

    public static String update(String document, String name, String content) {
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("section name must be letters, digits, '.', '_' or '-', got " + name);
        }
        String body = content.endsWith("\n") ? content : content + "\n";
        String block = begin(name) + "\n" + body + end(name);
        String beginPrefix = "<!-- bench-load:" + name + ":begin";
        int b = document.indexOf(beginPrefix);
        int e = document.indexOf(end(name));
        if (b >= 0 && e > b) {
            return document.substring(0, b) + block + document.substring(e + end(name).length());
        }
        if (b >= 0 || e >= 0) {
            throw new IllegalArgumentException("section " + name + " has a begin or end marker without the other");
        }
        String sep = document.isEmpty() || document.endsWith("\n\n") ? "" : document.endsWith("\n") ? "\n" : "\n\n";
        return document + sep + block + "\n";
    }

    static boolean has(String document, String name) {
        return Pattern.compile(Pattern.quote("<!-- bench-load:" + name + ":begin")).matcher(document).find();
    }
}
