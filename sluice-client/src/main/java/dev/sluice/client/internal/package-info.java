/**
 * Implementation of the SDK: the request engine (retries, pacing, headers), JSON and multipart encoding, and the
 * interpreters behind {@link dev.sluice.client.EventStream}. Not API: may change without notice.
 */
package dev.sluice.client.internal;
