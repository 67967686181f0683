/**
 * Wire records of the OpenAI API (chat completions and their stream chunks, Responses and their stream events,
 * embeddings, models, files, batches and batch lines), shared by the gateway and the client. Records are read
 * leniently ({@code ignoreUnknown}) and written without null fields; JSON stays at these edges.
 */
package dev.sluice.protocol.wire;
