package dev.sluice.protocol;

/** One server-sent event: optional {@code event:} name, the {@code data:} payload (lines joined by \n), optional id. */
public record SseEvent(String event, String data, String id) {
    public static SseEvent data(String data) {
        return new SseEvent(null, data, null);
    }

    public static SseEvent named(String event, String data) {
        return new SseEvent(event, data, null);
    }

    /** The chat completion terminator {@code data: [DONE]}. */
    public boolean isDone() {
        return "[DONE]".equals(data);
    }

    /** The wire form, ending with the blank line that closes the event. */
    public String encode() {
        StringBuilder sb = new StringBuilder(data == null ? 16 : data.length() + 16);
        if (event != null) sb.append("event: ").append(event).append('\n');
        if (id != null) sb.append("id: ").append(id).append('\n');
        if (data != null) {
            int start = 0;
            while (true) {
                int nl = data.indexOf('\n', start);
                sb.append("data: ").append(data, start, nl < 0 ? data.length() : nl).append('\n');
                if (nl < 0) break;
                start = nl + 1;
            }
        }
        return sb.append('\n').toString();
    }
}
