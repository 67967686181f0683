package dev.sluice.sim.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/** Deterministic unit vectors: the same text and model always give the same embedding. */
public final class Embedder {
    private Embedder() {}

    public static float[] embed(String model, String text, int dimensions) {
        SplittableRandom rnd = new SplittableRandom(TextGen.seed(List.of("embedding", model, text)));
        float[] v = new float[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            double x = rnd.nextDouble() * 2 - 1;
            v[i] = (float) x;
            norm += x * x;
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dimensions; i++) v[i] *= inv;
        return v;
    }

    /** OpenAI's {@code encoding_format: "base64"}: little-endian float32s, base64-encoded. */
    public static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
