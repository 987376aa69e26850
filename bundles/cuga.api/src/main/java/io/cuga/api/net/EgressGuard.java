package io.cuga.api.net;

import java.net.InetAddress;
import java.net.URI;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Decides whether a profile may connect to a target, under the egress rules of that profile's active policy.
 * Provided by the egress guardrail bundle; when it is absent, nothing may connect (fail closed).
 */
@ProviderType
public interface EgressGuard {

    /**
     * Checks a target before anything is resolved: scheme, host name against the domain lists.
     *
     * @param profile the policy profile of the call
     * @param target the URL
     * @throws EgressDeniedException when the target is not allowed
     */
    void checkTarget(String profile, URI target) throws EgressDeniedException;

    /**
     * Checks one resolved address at connect time (and again for every redirect). The address is what counts,
     * not its spelling: loopback, private, carrier-grade NAT, link-local and metadata, unique-local and
     * link-local IPv6, IPv4-mapped IPv6 and unspecified addresses are refused unless a CIDR of the policy
     * allows them.
     *
     * @param profile the policy profile of the call
     * @param host the host name as requested
     * @param address the resolved address about to be connected
     * @throws EgressDeniedException when the address is not allowed
     */
    void checkAddress(String profile, String host, InetAddress address) throws EgressDeniedException;
}
