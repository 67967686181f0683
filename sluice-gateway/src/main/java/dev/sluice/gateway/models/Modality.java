package dev.sluice.gateway.models;

/** What a model does, which decides the endpoints it may be called on. */
public enum Modality {
    CHAT, EMBEDDINGS, IMAGES;

    public String wireName() { return name().toLowerCase(java.util.Locale.ROOT); }
}
