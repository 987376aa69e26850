package io.cuga.api.tool;

/**
 * How much harm a tool can do. Policy uses the tier to require approval, and tool ranking penalises riskier
 * tools so a planner prefers the safer of two tools that fit.
 */
public enum RiskTier {
    /** Reads data, changes nothing. */
    READ(0.0),
    /** Changes state the caller owns. */
    WRITE(0.1),
    /** Reaches systems outside the server. */
    EXTERNAL(0.2),
    /** Deletes data. */
    DELETE(0.4),
    /** Moves money or commits spending. */
    FINANCIAL(0.5);

    private final double penalty;

    RiskTier(double penalty) {
        this.penalty = penalty;
    }

    /** @return the ranking penalty in [0, 1) subtracted from a tool's relevance score */
    public double penalty() {
        return penalty;
    }

    /**
     * Parses a tier name, ignoring case.
     *
     * @param name a tier name such as {@code "read"}
     * @return the tier
     * @throws IllegalArgumentException naming the accepted values when the name is unknown
     */
    public static RiskTier parse(String name) {
        if (name != null) {
            for (RiskTier tier : values()) {
                if (tier.name().equalsIgnoreCase(name.trim())) {
                    return tier;
                }
            }
        }
        throw new IllegalArgumentException(
            "unknown risk tier '" + name + "'; expected one of READ, WRITE, EXTERNAL, DELETE, FINANCIAL");
    }
}
