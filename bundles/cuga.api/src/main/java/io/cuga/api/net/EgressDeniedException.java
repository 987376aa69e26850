package io.cuga.api.net;

import java.io.IOException;

/** A connection was refused by the egress policy. Its message names the rule and is safe to show. */
public class EgressDeniedException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String rule;

    /**
     * @param rule the rule that refused it, such as {@code private_address} or {@code domain_not_allowed}
     * @param message a human-readable reason, with any secret in the URL already removed
     */
    public EgressDeniedException(String rule, String message) {
        super(message);
        this.rule = rule;
    }

    /** @return the rule that refused the connection */
    public String rule() {
        return rule;
    }
}
