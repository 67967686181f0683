package dev.sluice.gateway.limits;

import dev.sluice.gateway.config.SluiceConfig;

/** The five limit values of one scope and model family; null means no limit. Immutable. */
record LimitSet(Long rpm, Long rpd, Long tpm, Long tpd, Long ipm) {
    public static final LimitSet NONE = new LimitSet(null, null, null, null, null);

    public static LimitSet of(SluiceConfig.LimitValues v) {
        return v == null ? NONE : new LimitSet(v.rpm(), v.rpd(), v.tpm(), v.tpd(), v.ipm());
    }

    public Long get(LimitKind kind) {
        return switch (kind) {
            case RPM -> rpm;
            case RPD -> rpd;
            case TPM -> tpm;
            case TPD -> tpd;
            case IPM -> ipm;
        };
    }

    public LimitSet with(LimitKind kind, Long value) {
        return new LimitSet(kind == LimitKind.RPM ? value : rpm, kind == LimitKind.RPD ? value : rpd,
                kind == LimitKind.TPM ? value : tpm, kind == LimitKind.TPD ? value : tpd,
                kind == LimitKind.IPM ? value : ipm);
    }

    /** These values with every non-null value of {@code override} in their place. */
    public LimitSet overlay(LimitSet override) {
        if (override == null) return this;
        LimitSet out = this;
        for (LimitKind k : LimitKind.values()) if (override.get(k) != null) out = out.with(k, override.get(k));
        return out;
    }
}
