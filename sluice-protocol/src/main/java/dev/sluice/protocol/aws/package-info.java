/**
 * AWS wire formats Sluice speaks to Bedrock: Signature Version 4 request signing ({@link dev.sluice.protocol.aws.SigV4})
 * and the {@code application/vnd.amazon.eventstream} binary framing of streamed answers
 * ({@link dev.sluice.protocol.aws.EventStream}). Shared by the gateway (signs, decodes) and the simulator (encodes).
 * JDK only.
 */
package dev.sluice.protocol.aws;
