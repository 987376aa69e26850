package io.cuga.guardrail.egress.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * An address block such as {@code 127.0.0.0/8} or {@code fd00::/8}. A block of one family never contains an
 * address of the other, except that an IPv4-mapped IPv6 address is judged by its embedded IPv4 address.
 */
final class Cidr {

    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
        this.text = Addresses.toText(network) + "/" + prefix;
    }

    /**
     * Parses a block strictly: an IPv4 address in canonical dotted-quad form or an IPv6 address, an optional
     * {@code /prefix} (a bare address is a block of one), no host bits set beyond the prefix.
     *
     * @param value the text
     * @return the block
     * @throws IllegalArgumentException saying what is wrong
     */
    static Cidr parse(String value) {
        String text = value.trim();
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = Addresses.parseLiteral(addressText);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + value + "' is not a CIDR block such as 127.0.0.0/8 or fd00::/8: '"
                + addressText + "' is not an IPv4 address in dotted-quad form or an IPv6 address");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String prefixText = text.substring(slash + 1);
            if (!prefixText.matches("[0-9]{1,3}") || (prefixText.length() > 1 && prefixText.charAt(0) == '0')
                || Integer.parseInt(prefixText) > max) {
                throw new IllegalArgumentException("'" + value + "' has an invalid prefix length '" + prefixText
                    + "': expected 0 to " + max);
            }
            prefix = Integer.parseInt(prefixText);
        }
        byte[] masked = mask(bytes, prefix);
        if (!Arrays.equals(masked, bytes)) {
            throw new IllegalArgumentException("'" + value + "' has bits set after the prefix; did you mean "
                + Addresses.toText(masked) + "/" + prefix + "?");
        }
        return new Cidr(masked, prefix);
    }

    /** @return true when the address (or, for an IPv4-mapped IPv6 address, its IPv4 address) is in this block */
    boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (contains(bytes)) {
            return true;
        }
        byte[] embedded = Addresses.mappedIpv4(bytes);
        return embedded != null && contains(embedded);
    }

    boolean contains(byte[] bytes) {
        return bytes.length == network.length && Arrays.equals(mask(bytes, prefix), network);
    }

    /** @return true when every address of the other block is in this one */
    boolean contains(Cidr other) {
        return other.network.length == network.length && other.prefix >= prefix && contains(other.network);
    }

    boolean isIpv4() {
        return network.length == 4;
    }

    static Cidr of(InetAddress address, int prefix) {
        return new Cidr(mask(address.getAddress(), prefix), prefix);
    }

    static Cidr v4(int a, int b, int c, int d, int prefix) {
        return new Cidr(mask(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}, prefix), prefix);
    }

    static Cidr v6(String literal, int prefix) {
        byte[] bytes = Addresses.parseLiteral(literal);
        if (bytes == null || bytes.length != 16) {
            throw new IllegalArgumentException(literal);
        }
        return new Cidr(mask(bytes, prefix), prefix);
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xff00 >> bitsHere));
        }
        return out;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr cidr && cidr.prefix == prefix && Arrays.equals(cidr.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        return text;
    }

    static boolean isV4(InetAddress address) {
        return address instanceof Inet4Address;
    }
}
