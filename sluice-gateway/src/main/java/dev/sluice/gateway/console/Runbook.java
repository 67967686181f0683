package dev.sluice.gateway.console;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The runbook rows of docs/errors.md (packaged into the jar at build time, so there is one text): for each error
 * code, the "because" and "do" cells of its first row, shown next to the matching numbers on Traffic health.
 */
public final class Runbook {
    private static final Pattern ROW = Pattern.compile("^\\| *(\\d{3})[^|]*?`([a-z_]+)`[^|]*\\|([^|]*)\\|([^|]*)\\|");
    private final Map<String, String> byCode;

    Runbook(Map<String, String> byCode) {
        this.byCode = Map.copyOf(byCode);
    }

    /** Reads {@code console/errors.md} from the classpath; an absent file gives an empty runbook. */
    public static Runbook load() {
        try (InputStream in = Runbook.class.getClassLoader().getResourceAsStream("console/errors.md")) {
            return parse(in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Runbook(Map.of());
        }
    }

    static Runbook parse(String markdown) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : markdown.split("\n")) {
            Matcher x = ROW.matcher(line);
            if (x.find()) {
                String text = x.group(1) + " " + x.group(2) + ": " + plain(x.group(3)) + " — " + plain(x.group(4));
                m.putIfAbsent(x.group(2), text);
            }
        }
        return new Runbook(m);
    }

    /** The line for an error code, or null. */
    public String line(String code) {
        return byCode.get(code);
    }

    private static String plain(String cell) {
        return cell.replaceAll("\\[([^]]*)]\\([^)]*\\)", "$1").replace("`", "").strip();
    }
}
