package io.cuga.guardrail.egress.internal;

import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/** Host names as egress compares them: ASCII (IDN), lower case, without a trailing dot, strictly checked. */
final class Hosts {

    /** A host: either a name, or an address literal with its bytes. */
    record Host(String name, byte[] literal) {

        boolean isLiteral() {
            return literal != null;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern NUMERIC_LABEL = Pattern.compile("0x[0-9a-f]*|[0-9]+");

    private Hosts() {
    }

    /**
     * Normalises and checks a host as it appears in a URL or a policy.
     *
     * @param raw the host; an IPv6 literal with or without brackets
     * @return the host: a name in ASCII lower case without trailing dot, or a literal in its usual text form
     * @throws HostException with a rule ({@code invalid_url} or {@code ambiguous_address}) and a reason
     */
    static Host parse(String raw) throws HostException {
        if (raw == null || raw.isEmpty()) {
            throw new HostException("invalid_url", "the URL has no host");
        }
        String text = raw;
        if (text.startsWith("[") || text.indexOf(':') >= 0) {
            if (text.startsWith("[")) {
                if (!text.endsWith("]")) {
                    throw new HostException("invalid_url", "the IPv6 address is not closed by ']'");
                }
                text = text.substring(1, text.length() - 1);
            }
            if (text.indexOf('%') >= 0) {
                throw new HostException("invalid_url", "IPv6 zone ids (%...) are not allowed");
            }
            byte[] bytes = Addresses.parseLiteral(text);
            if (bytes == null || bytes.length != 16) {
                throw new HostException("invalid_url", "'" + raw + "' is not a valid IPv6 address");
            }
            return new Host(Addresses.toText(bytes), bytes);
        }
        if (text.indexOf('%') >= 0) {
            throw new HostException("invalid_url", "percent-encoded host names are not allowed");
        }
        String ascii;
        try {
            ascii = IDN.toASCII(text, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            throw new HostException("invalid_url", "'" + raw + "' is not a valid internationalized domain name");
        }
        ascii = ascii.toLowerCase(Locale.ROOT);
        if (ascii.endsWith(".")) {
            ascii = ascii.substring(0, ascii.length() - 1);
        }
        if (ascii.isEmpty() || ascii.length() > 253) {
            throw new HostException("invalid_url", "'" + raw + "' is not a valid host name");
        }
        String[] labels = ascii.split("\\.", -1);
        if (NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches()) {
            byte[] bytes = Addresses.parseLiteral(ascii);
            if (bytes == null) {
                throw new HostException("ambiguous_address", "'" + raw + "' is a numeric host that is not an IPv4 "
                    + "address in plain dotted-quad form (octal, hex, short and single-number forms are read "
                    + "differently by different clients); write the address as a.b.c.d");
            }
            return new Host(Addresses.toText(bytes), bytes);
        }
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw new HostException("invalid_url", "'" + raw + "' is not a valid host name (labels are letters, "
                    + "digits and inner hyphens, 1 to 63 characters)");
            }
        }
        return new Host(ascii, null);
    }

    /** A host that cannot be used, with the rule a denial names. */
    static final class HostException extends Exception {

        private static final long serialVersionUID = 1L;

        private final String rule;

        HostException(String rule, String message) {
            super(message);
            this.rule = rule;
        }

        String rule() {
            return rule;
        }
    }
}
