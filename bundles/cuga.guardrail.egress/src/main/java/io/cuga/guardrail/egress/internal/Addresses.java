package io.cuga.guardrail.egress.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Address literals and the address classes egress blocks unless a CIDR of the policy allows them. Works on the
 * raw bytes of an address, so the spelling it came from does not matter.
 */
final class Addresses {

    /** A blocked class of addresses: the rule a denial names and what the class is, for people. */
    record Blocked(String rule, String what) {
    }

    private record Range(Cidr cidr, Blocked blocked) {
    }

    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9a-fA-F]{1,4}");

    private static final Blocked LOOPBACK = new Blocked("loopback_address", "a loopback address");
    private static final Blocked PRIVATE = new Blocked("private_address", "a private address");
    private static final Blocked UNSPECIFIED = new Blocked("unspecified_address", "an unspecified address");
    private static final Blocked MULTICAST = new Blocked("multicast_address", "a multicast address");

    /** The IPv4 classes, checked in order (the metadata address before its link-local block). */
    private static final List<Range> V4 = List.of(
        new Range(Cidr.v4(0, 0, 0, 0, 8), UNSPECIFIED),
        new Range(Cidr.v4(10, 0, 0, 0, 8), PRIVATE),
        new Range(Cidr.v4(100, 64, 0, 0, 10), new Blocked("cgnat_address", "a carrier-grade NAT address")),
        new Range(Cidr.v4(127, 0, 0, 0, 8), LOOPBACK),
        new Range(Cidr.v4(169, 254, 169, 254, 32),
            new Blocked("link_local_address", "the cloud metadata address (link-local)")),
        new Range(Cidr.v4(169, 254, 0, 0, 16), new Blocked("link_local_address", "a link-local address")),
        new Range(Cidr.v4(172, 16, 0, 0, 12), PRIVATE),
        new Range(Cidr.v4(192, 0, 0, 0, 24),
            new Blocked("reserved_address", "an IETF protocol assignment address (192.0.0.0/24)")),
        new Range(Cidr.v4(192, 0, 2, 0, 24), new Blocked("reserved_address", "a documentation address")),
        new Range(Cidr.v4(192, 88, 99, 0, 24), new Blocked("reserved_address", "a 6to4 relay address")),
        new Range(Cidr.v4(192, 168, 0, 0, 16), PRIVATE),
        new Range(Cidr.v4(198, 18, 0, 0, 15), new Blocked("reserved_address", "a benchmarking address")),
        new Range(Cidr.v4(198, 51, 100, 0, 24), new Blocked("reserved_address", "a documentation address")),
        new Range(Cidr.v4(203, 0, 113, 0, 24), new Blocked("reserved_address", "a documentation address")),
        new Range(Cidr.v4(224, 0, 0, 0, 4), MULTICAST),
        new Range(Cidr.v4(255, 255, 255, 255, 32), new Blocked("broadcast_address", "the broadcast address")),
        new Range(Cidr.v4(240, 0, 0, 0, 4), new Blocked("reserved_address", "a reserved address (240.0.0.0/4)")));

    /** The IPv6 classes; IPv4-mapped, NAT64 and 6to4 addresses are judged by their embedded IPv4 address first. */
    private static final List<Range> V6 = List.of(
        new Range(Cidr.v6("::", 128), UNSPECIFIED),
        new Range(Cidr.v6("::1", 128), LOOPBACK),
        new Range(Cidr.v6("::", 96), new Blocked("ipv4_compatible_address",
            "an IPv4-compatible IPv6 address (::a.b.c.d, deprecated; some stacks reach the IPv4 address)")),
        new Range(Cidr.v6("64:ff9b:1::", 48), new Blocked("nat64_address", "a local-use NAT64 address")),
        new Range(Cidr.v6("100::", 64), new Blocked("reserved_address", "a discard-only address")),
        new Range(Cidr.v6("2001::", 32), new Blocked("teredo_address", "a Teredo tunnel address")),
        new Range(Cidr.v6("2001:db8::", 32), new Blocked("reserved_address", "a documentation address")),
        new Range(Cidr.v6("fc00::", 7), new Blocked("unique_local_address", "a unique-local IPv6 address")),
        new Range(Cidr.v6("fe80::", 10), new Blocked("link_local_address", "a link-local IPv6 address")),
        new Range(Cidr.v6("fec0::", 10), new Blocked("site_local_address", "a site-local IPv6 address")),
        new Range(Cidr.v6("ff00::", 8), MULTICAST));

    private static final Cidr MAPPED = Cidr.v6("::ffff:0:0", 96);
    private static final Cidr NAT64 = Cidr.v6("64:ff9b::", 96);
    private static final Cidr SIX_TO_FOUR = Cidr.v6("2002::", 16);

    private Addresses() {
    }

    /**
     * @param bytes a 4- or 16-byte address
     * @return the class that blocks it, or null for an address egress allows
     */
    static Blocked classify(byte[] bytes) {
        if (bytes.length == 4) {
            return find(V4, bytes);
        }
        if (MAPPED.contains(bytes)) {
            return embedded(bytes, 12, "an IPv4-mapped IPv6 address of ");
        }
        if (NAT64.contains(bytes)) {
            return embedded(bytes, 12, "a NAT64 address of ");
        }
        if (SIX_TO_FOUR.contains(bytes)) {
            return embedded(bytes, 2, "a 6to4 address of ");
        }
        return find(V6, bytes);
    }

    private static Blocked embedded(byte[] bytes, int offset, String prefix) {
        byte[] v4 = new byte[] {bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]};
        Blocked blocked = find(V4, v4);
        return blocked == null ? null : new Blocked(blocked.rule(), prefix + blocked.what() + " (" + toText(v4) + ")");
    }

    private static Blocked find(List<Range> ranges, byte[] bytes) {
        for (Range range : ranges) {
            if (range.cidr().contains(bytes)) {
                return range.blocked();
            }
        }
        return null;
    }

    /** @return the IPv4 address inside an IPv4-mapped IPv6 address, or null */
    static byte[] mappedIpv4(byte[] bytes) {
        if (bytes.length == 16 && MAPPED.contains(bytes)) {
            return new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
        }
        return null;
    }

    /**
     * Parses an address literal strictly, without any name lookup: IPv4 only in canonical dotted-quad form
     * (no octal, hex, short or single-number forms), IPv6 in any RFC 4291 form without a zone id.
     *
     * @param text the literal, IPv6 without brackets
     * @return its 4 or 16 bytes (an IPv4-mapped IPv6 literal stays 16 bytes), or null when it is not one
     */
    static byte[] parseLiteral(String text) {
        if (IPV4.matcher(text).matches()) {
            return parseIpv4(text);
        }
        if (text.indexOf(':') >= 0 && IPV6_CHARS.matcher(text).matches()) {
            return parseIpv6(text);
        }
        return null;
    }

    private static byte[] parseIpv4(String text) {
        if (!IPV4.matcher(text).matches()) {
            return null;
        }
        String[] parts = text.split("\\.");
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            int value = Integer.parseInt(parts[i]);
            if (value > 255) {
                return null;
            }
            out[i] = (byte) value;
        }
        return out;
    }

    private static byte[] parseIpv6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        List<Integer> head;
        List<Integer> tail;
        if (gap < 0) {
            head = groups(text, true);
            tail = List.of();
            if (head == null || head.size() != 8) {
                return null;
            }
        } else {
            head = groups(text.substring(0, gap), false);
            tail = groups(text.substring(gap + 2), true);
            if (head == null || tail == null || head.size() + tail.size() > 7) {
                return null;
            }
        }
        byte[] out = new byte[16];
        for (int i = 0; i < head.size(); i++) {
            out[2 * i] = (byte) (head.get(i) >> 8);
            out[2 * i + 1] = (byte) (int) head.get(i);
        }
        int start = 8 - tail.size();
        for (int i = 0; i < tail.size(); i++) {
            out[2 * (start + i)] = (byte) (tail.get(i) >> 8);
            out[2 * (start + i) + 1] = (byte) (int) tail.get(i);
        }
        return out;
    }

    private static List<Integer> groups(String part, boolean ipv4AtEnd) {
        List<Integer> out = new ArrayList<>();
        if (part.isEmpty()) {
            return out;
        }
        String[] pieces = part.split(":", -1);
        for (int i = 0; i < pieces.length; i++) {
            String piece = pieces[i];
            if (ipv4AtEnd && i == pieces.length - 1 && piece.indexOf('.') >= 0) {
                byte[] v4 = parseIpv4(piece);
                if (v4 == null) {
                    return null;
                }
                out.add(((v4[0] & 0xff) << 8) | (v4[1] & 0xff));
                out.add(((v4[2] & 0xff) << 8) | (v4[3] & 0xff));
            } else if (HEX_GROUP.matcher(piece).matches()) {
                out.add(Integer.parseInt(piece, 16));
            } else {
                return null;
            }
        }
        return out;
    }

    /** @return the address in its usual text form: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as ::) */
    static String toText(byte[] bytes) {
        if (bytes.length == 4) {
            return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8;) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
