package dev.sluice.client;

/** {@code /v1/chat}. */
public final class Chat {
    private final ChatCompletions completions;

    Chat(Api api) {
        this.completions = new ChatCompletions(api);
    }

    public ChatCompletions completions() {
        return completions;
    }
}
