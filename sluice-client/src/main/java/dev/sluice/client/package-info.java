/**
 * The Sluice Java SDK: {@link dev.sluice.client.SluiceClient} and its resources, the exception tree of the OpenAI
 * error contract, the retry policy, the error classifier and the streaming consumer. Implementation details live in
 * {@code dev.sluice.client.internal}.
 */
package dev.sluice.client;
