package dev.sluice.gateway.store;

/**
 * The result of one batch line: {@code ok} lines go to the output file, the others to the error file;
 * {@code resultJson} is the whole line as it will appear there.
 */
public record LineResult(String customId, int lineNo, boolean ok, String resultJson) {}
