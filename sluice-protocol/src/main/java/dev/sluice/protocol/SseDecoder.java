package dev.sluice.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * Incremental SSE parser (WHATWG rules that matter here): feed text as it arrives, get complete events back. Handles
 * \n, \r\n and \r line ends split across chunks, comment lines, multi-line data, and a final event without its blank
 * line at {@link #finish()}.
 */
public final class SseDecoder {
    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private String event;
    private String id;
    private boolean hasData;
    private boolean lastWasCr;

    public List<SseEvent> feed(CharSequence chunk) {
        List<SseEvent> out = new ArrayList<>(2);
        int n = chunk.length();
        int start = 0; // the first character of the current line not yet appended
        for (int i = 0; i < n; i++) {
            char c = chunk.charAt(i);
            if (c != '\n' && c != '\r') continue;
            if (c == '\n' && lastWasCr && i == start) { // the LF of a CRLF pair
                lastWasCr = false;
                start = i + 1;
                continue;
            }
            line.append(chunk, start, i); // a line's characters go in as one range, not one call per character
            lastWasCr = c == '\r';
            endLine(out);
            start = i + 1;
        }
        if (start < n) {
            line.append(chunk, start, n);
            lastWasCr = false;
        }
        return out;
    }

    /**
     * True between events: nothing of a line or an event is held, and no CR is waiting for its LF, so what comes next
     * begins a new event.
     */
    public boolean atBoundary() {
        return line.isEmpty() && !hasData && event == null && id == null && !lastWasCr;
    }

    /** Call at end of stream: returns an event whose terminating blank line never came, if any. */
    public List<SseEvent> finish() {
        List<SseEvent> out = new ArrayList<>(1);
        if (!line.isEmpty()) endLine(out);
        dispatch(out);
        return out;
    }

    private void endLine(List<SseEvent> out) {
        if (line.isEmpty()) {
            dispatch(out);
            return;
        }
        String l = line.toString();
        line.setLength(0);
        if (l.charAt(0) == ':') return;
        int colon = l.indexOf(':');
        String field = colon < 0 ? l : l.substring(0, colon);
        String value = colon < 0 ? "" : l.substring(colon + 1);
        if (value.startsWith(" ")) value = value.substring(1);
        switch (field) {
            case "data" -> {
                if (hasData) data.append('\n');
                data.append(value);
                hasData = true;
            }
            case "event" -> event = value;
            case "id" -> id = value;
            default -> { /* retry and unknown fields are ignored */ }
        }
    }

    private void dispatch(List<SseEvent> out) {
        if (hasData || event != null) out.add(new SseEvent(event, hasData ? data.toString() : "", id));
        data.setLength(0);
        hasData = false;
        event = null;
        id = null;
    }
}
