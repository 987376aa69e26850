package io.cuga.guardrail.egress.internal;

import java.util.Arrays;

import io.cuga.guardrail.egress.internal.Hosts.Host;
import io.cuga.guardrail.egress.internal.Hosts.HostException;

/**
 * One entry of {@code allow_domains} or {@code deny_domains}: {@code *} (every host), {@code *.example.org}
 * (the subdomains of example.org, not example.org itself), {@code api.example.com} (that name only), or an
 * address literal (that address, when a URL names it literally).
 */
final class DomainPattern {

    private enum Kind { ANY, SUBDOMAINS, EXACT, LITERAL }

    private final Kind kind;
    private final String name;
    private final byte[] literal;
    private final String text;

    private DomainPattern(Kind kind, String name, byte[] literal, String text) {
        this.kind = kind;
        this.name = name;
        this.literal = literal;
        this.text = text;
    }

    /**
     * @param value the entry as written
     * @return the pattern, normalised like hosts are (IDN to ASCII, lower case, no trailing dot)
     * @throws IllegalArgumentException saying what is wrong
     */
    static DomainPattern parse(String value) {
        String text = value.trim();
        if (text.equals("*")) {
            return new DomainPattern(Kind.ANY, "", null, "*");
        }
        boolean subdomains = text.startsWith("*.");
        String rest = subdomains ? text.substring(2) : text;
        if (rest.indexOf('*') >= 0) {
            throw new IllegalArgumentException("'" + value + "': a wildcard may only be a whole leading label "
                + "('*.example.org') or the whole entry ('*')");
        }
        Host host;
        try {
            host = Hosts.parse(rest);
        } catch (HostException e) {
            throw new IllegalArgumentException("'" + value + "': " + e.getMessage());
        }
        if (host.isLiteral()) {
            if (subdomains) {
                throw new IllegalArgumentException("'" + value + "': an address has no subdomains");
            }
            return new DomainPattern(Kind.LITERAL, host.name(), host.literal(), host.name());
        }
        return subdomains ? new DomainPattern(Kind.SUBDOMAINS, host.name(), null, "*." + host.name())
            : new DomainPattern(Kind.EXACT, host.name(), null, host.name());
    }

    /** @return true when the (normalised) host matches */
    boolean matches(Host host) {
        return switch (kind) {
            case ANY -> true;
            case LITERAL -> host.isLiteral() && Arrays.equals(host.literal(), literal);
            case EXACT -> !host.isLiteral() && host.name().equals(name);
            case SUBDOMAINS -> !host.isLiteral() && host.name().endsWith("." + name);
        };
    }

    /** @return true when this pattern matches every host the other one matches */
    boolean covers(DomainPattern other) {
        return switch (kind) {
            case ANY -> true;
            case LITERAL -> other.kind == Kind.LITERAL && Arrays.equals(other.literal, literal);
            case EXACT -> other.kind == Kind.EXACT && other.name.equals(name);
            case SUBDOMAINS -> (other.kind == Kind.EXACT || other.kind == Kind.SUBDOMAINS)
                && other.name.endsWith("." + name) || other.kind == Kind.SUBDOMAINS && other.name.equals(name);
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
