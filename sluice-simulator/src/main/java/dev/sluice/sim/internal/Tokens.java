package dev.sluice.sim.internal;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.sim.SimModel;

import java.util.List;

/**
 * Token counts as OpenAI bills them: tiktoken encodings through one shared lazy registry (loading an encoding costs
 * hundreds of milliseconds, so it happens once per JVM), and chat prompts with OpenAI's per-message overhead.
 */
public final class Tokens {
    /** Tokens added per message, and once for priming the reply, as in OpenAI's cookbook formula. */
    public static final int PER_MESSAGE = 3;
    public static final int REPLY_PRIMING = 3;

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    private Tokens() {}

    public static Encoding encoding(SimModel model) {
        EncodingType type = EncodingType.fromName(model.encoding())
                .orElseThrow(() -> new IllegalStateException("unknown encoding " + model.encoding()));
        return REGISTRY.getEncoding(type);
    }

    /** Loads the encodings the catalogue uses; call off the event loop before serving. */
    public static void warmUp() {
        REGISTRY.getEncoding(EncodingType.O200K_BASE).countTokensOrdinary("warm up");
        REGISTRY.getEncoding(EncodingType.CL100K_BASE).countTokensOrdinary("warm up");
    }

    public static int count(SimModel model, String text) {
        return text.isEmpty() ? 0 : encoding(model).countTokensOrdinary(text);
    }

    /** The sum of each message's content tokens plus {@link #PER_MESSAGE} each, plus {@link #REPLY_PRIMING}. */
    public static int prompt(SimModel model, List<String> messageTexts) {
        int n = REPLY_PRIMING;
        for (String t : messageTexts) n += PER_MESSAGE + count(model, t);
        return n;
    }
}
