package dev.sluice.sim;

/**
 * One model the simulator serves.
 *
 * @param id              the model name on the wire
 * @param kind            which endpoint family accepts it
 * @param contextWindow   prompt plus output tokens the model accepts (0 where it does not apply)
 * @param maxOutputTokens the most tokens one answer may have (0 where it does not apply)
 * @param encoding        the tiktoken encoding that counts its tokens, e.g. {@code o200k_base}
 */
public record SimModel(String id, Kind kind, int contextWindow, int maxOutputTokens, String encoding) {

    /** Endpoint families. */
    public enum Kind { CHAT, EMBEDDINGS, IMAGES }
}
