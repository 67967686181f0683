package dev.sluice.client.explain;

import dev.sluice.client.RetryDecision;
import dev.sluice.protocol.ApiError;
import dev.sluice.protocol.ErrorKind;
import dev.sluice.protocol.NextAction;

import java.util.List;

/**
 * What {@link Explainer} made of its input.
 *
 * @param status     the HTTP status, or null when the input did not tell and the catalogue could not infer it
 * @param error      the error object read from the body, or null
 * @param rows       the catalogue rows that fit (one when the body names its code; every row of the status for a
 *                   bare status; empty when unknown)
 * @param requestId  {@code x-request-id}, or null
 * @param retry      what the client's retry policy does after a first failure like this one
 * @param nextAction what to do about it
 * @param text       the whole explanation, as printed
 */
public record Explanation(Integer status, ApiError error, List<ErrorKind> rows, String requestId, RetryDecision retry,
                          NextAction nextAction, String text) {}
