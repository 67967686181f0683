package dev.sluice.gateway.http;

/**
 * A JVM that ran out of memory (or hit another {@link VirtualMachineError}) cannot be trusted to answer or to shut
 * down: it exits at once with status 3 so a supervisor restarts it, instead of lingering as a zombie that holds the
 * ports. The launcher also passes {@code -XX:+ExitOnOutOfMemoryError}; this catches what reaches a Vert.x handler.
 */
public final class FatalErrors {
    private FatalErrors() {}

    /** Exits the process when {@code t} (or a cause of it) is a virtual-machine error; returns otherwise. */
    public static void exitIfFatal(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof VirtualMachineError) {
                try {
                    System.err.println("sluice: fatal " + c.getClass().getSimpleName() + ", exiting for a restart");
                } finally {
                    Runtime.getRuntime().halt(3);
                }
            }
            if (c.getCause() == c) return;
        }
    }
}
