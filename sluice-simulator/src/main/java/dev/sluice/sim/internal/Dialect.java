package dev.sluice.sim.internal;

/**
 * How one provider flavor says "no": a validation error of the simulator ({@link SimError}, in the catalogue's terms)
 * and the failure an {@code x-sluice-sim} directive asks for ({@code status=}, {@code error=}), each rendered as that
 * provider's own status, headers and body. {@link #OPENAI} is the simulator's native dialect.
 */
public interface Dialect {

    /** The answer to a request the simulator rejects (bad body, unknown model, prompt too long). */
    NativeError rejected(Exchange ex, SimError e);

    /**
     * The failure a directive asks for: {@code status} (-1 when only {@code d.error()} names it). Throws a 400
     * {@link SimError} naming the directive when this flavor has no such error.
     */
    NativeError fault(Exchange ex, int status, Directives d, SimCall call);

    /** OpenAI's errors: the catalogue row, {@code x-should-retry}, and the body shapes of {@code shape=}. */
    Dialect OPENAI = new Dialect() {
        @Override
        public NativeError rejected(Exchange ex, SimError e) {
            return Replies.nativeError(e.status(), e.error(), Directives.Shape.OPENAI, java.util.Map.of());
        }

        @Override
        public NativeError fault(Exchange ex, int status, Directives d, SimCall call) {
            if (d.error() != null) {
                throw Fields.invalid(SimRoutes.SIM_HEADER, "directive 'error' names a provider flavor's error; "
                        + "the OpenAI routes take status=");
            }
            int s = status >= 0 ? status : 500;
            return Replies.nativeError(s, Faults.simulated(s, call.modelId(), ex.requestId()), d.shape(),
                    Faults.headersFor(s));
        }
    };
}
