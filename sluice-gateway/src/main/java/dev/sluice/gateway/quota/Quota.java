package dev.sluice.gateway.quota;

/**
 * The spending caps of one owner in nano-dollars: a monthly budget (UTC calendar month) and prepaid credits (the
 * lifetime spend they cover). Null means no such cap.
 */
record Quota(Long monthlyBudgetNanos, Long creditsNanos) {
    public static final Quota NONE = new Quota(null, null);

    public boolean capped() {
        return monthlyBudgetNanos != null || creditsNanos != null;
    }
}
