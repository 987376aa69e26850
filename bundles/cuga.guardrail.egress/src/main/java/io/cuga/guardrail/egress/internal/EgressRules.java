package io.cuga.guardrail.egress.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.cuga.api.decision.Decision;
import io.cuga.api.decision.Verdict;
import io.cuga.api.guardrail.GuardedCall;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.net.EgressDeniedException;
import io.cuga.api.policy.PolicyException;
import io.cuga.guardrail.egress.internal.Hosts.Host;
import io.cuga.guardrail.egress.internal.Hosts.HostException;
import io.cuga.guardrail.egress.internal.Urls.Target;

/**
 * The compiled {@code egress} section of one policy. Immutable and safe for concurrent calls.
 *
 * <p>A target passes when its scheme is listed, its host matches no {@code deny_domains} entry and matches an
 * {@code allow_domains} entry (a host written as an address literal may instead be in an {@code allow_cidrs}
 * block), and every address its host resolves to is either outside the blocked classes of {@link Addresses} or
 * inside an {@code allow_cidrs} block.
 */
final class EgressRules implements Guardrail.Rules {

    /** The guardrail type and section name. */
    static final String TYPE = "egress";

    private final Set<String> schemes;
    private final List<DomainPattern> allow;
    private final List<DomainPattern> deny;
    private final List<Cidr> cidrs;

    EgressRules(Set<String> schemes, List<DomainPattern> allow, List<DomainPattern> deny, List<Cidr> cidrs) {
        this.schemes = Set.copyOf(schemes);
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
        this.cidrs = List.copyOf(cidrs);
    }

    @Override
    public Decision check(GuardedCall call) {
        for (String argument : call.tool().outbound()) {
            if (argument.contains("://")) {
                // a fixed target (a tool that always calls one service, such as an OpenAPI operation)
                Decision denied = checkArgument(argument, argument, true);
                if (denied != null) {
                    return denied;
                }
                continue;
            }
            Object value = call.arguments().get(argument);
            if (value == null) {
                continue;
            }
            if (value instanceof String url) {
                Decision denied = checkArgument(argument, url, false);
                if (denied != null) {
                    return denied;
                }
            } else if (value instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    String path = argument + "/" + i;
                    if (!(list.get(i) instanceof String url)) {
                        return deny(path, null, "invalid_target", "the outbound target is not a URL string");
                    }
                    Decision denied = checkArgument(path, url, false);
                    if (denied != null) {
                        return denied;
                    }
                }
            } else {
                return deny(argument, null, "invalid_target", "the outbound target is not a URL string or a list of them");
            }
        }
        return Decision.allow();
    }

    private Decision checkArgument(String argument, String url, boolean fixed) {
        Target target;
        try {
            target = Urls.parse(url);
        } catch (HostException e) {
            return fixed ? denyFixed("(invalid URL)", e.rule(), e.getMessage())
                : deny(argument, null, e.rule(), e.getMessage());
        }
        try {
            checkUrl(target);
            for (InetAddress address : resolve(target)) {
                checkAddress(target, address.getAddress());
            }
            return null;
        } catch (EgressDeniedException e) {
            return fixed ? denyFixed(target.redacted(), e.rule(), e.getMessage())
                : deny(argument, target.redacted(), e.rule(), e.getMessage());
        }
    }

    private static Decision denyFixed(String redacted, String rule, String reason) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("target", redacted);
        return new Decision(Verdict.DENY, TYPE, rule, "fixed target: " + reason, details);
    }

    private static Decision deny(String argument, String redacted, String rule, String reason) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("argument", argument);
        if (redacted != null) {
            details.put("url", redacted);
        }
        return new Decision(Verdict.DENY, TYPE, rule, "argument '" + argument + "': " + reason, details);
    }

    /**
     * Checks a URL a client is about to request: scheme and host against the lists.
     *
     * @param uri the URL
     * @throws EgressDeniedException when it is not allowed
     */
    void checkTarget(URI uri) throws EgressDeniedException {
        try {
            checkUrl(Urls.parse(uri));
        } catch (HostException e) {
            throw new EgressDeniedException(e.rule(), e.getMessage());
        }
    }

    /**
     * Checks one resolved address at connect time, and the host it was resolved for against the lists.
     *
     * @param host the host as requested (null or empty to check the address alone)
     * @param address the address
     * @throws EgressDeniedException when it is not allowed
     */
    void checkAddress(String host, InetAddress address) throws EgressDeniedException {
        Host parsed = null;
        if (host != null && !host.isEmpty()) {
            try {
                parsed = Hosts.parse(host);
            } catch (HostException e) {
                throw new EgressDeniedException(e.rule(), e.getMessage());
            }
            checkHost(parsed, parsed.name());
        }
        checkAddress(parsed == null || parsed.isLiteral() ? null : parsed.name(), address.getAddress());
    }

    private void checkUrl(Target target) throws EgressDeniedException {
        if (!schemes.contains(target.scheme())) {
            throw new EgressDeniedException("scheme_not_allowed", target.redacted() + ": the scheme '" + target.scheme()
                + "' is not allowed (allowed: " + (schemes.isEmpty() ? "none" : String.join(", ", schemes.stream().sorted().toList())) + ")");
        }
        checkHost(target.host(), target.redacted());
    }

    private void checkHost(Host host, String what) throws EgressDeniedException {
        for (DomainPattern pattern : deny) {
            if (pattern.matches(host)) {
                throw new EgressDeniedException("domain_denied", what + ": the host " + host.name()
                    + " is denied by deny_domains entry '" + pattern + "'");
            }
        }
        for (DomainPattern pattern : allow) {
            if (pattern.matches(host)) {
                return;
            }
        }
        if (host.isLiteral()) {
            for (Cidr cidr : cidrs) {
                if (cidr.contains(host.literal()) || mappedIn(cidr, host.literal())) {
                    return;
                }
            }
            throw new EgressDeniedException("domain_not_allowed", what + ": the host is the address " + host.name()
                + ", which neither allow_domains nor allow_cidrs lists");
        }
        throw new EgressDeniedException("domain_not_allowed", what + ": the host " + host.name()
            + (allow.isEmpty() ? " is not allowed (allow_domains is empty: nothing is allowed)" : " matches no allow_domains entry"));
    }

    private static boolean mappedIn(Cidr cidr, byte[] bytes) {
        byte[] v4 = Addresses.mappedIpv4(bytes);
        return v4 != null && cidr.contains(v4);
    }

    private static InetAddress[] resolve(Target target) throws EgressDeniedException {
        try {
            if (target.host().isLiteral()) {
                return new InetAddress[] {InetAddress.getByAddress(target.host().literal())};
            }
            InetAddress[] all = InetAddress.getAllByName(target.host().name());
            if (all.length == 0) {
                throw new UnknownHostException(target.host().name());
            }
            return all;
        } catch (UnknownHostException e) {
            throw new EgressDeniedException("unresolvable_host", target.redacted() + ": the host "
                + target.host().name() + " does not resolve");
        }
    }

    private void checkAddress(Target target, byte[] address) throws EgressDeniedException {
        checkAddress(target.redacted(), address);
    }

    private void checkAddress(String what, byte[] address) throws EgressDeniedException {
        for (Cidr cidr : cidrs) {
            if (cidr.contains(address) || mappedIn(cidr, address)) {
                return;
            }
        }
        Addresses.Blocked blocked = Addresses.classify(address);
        if (blocked != null) {
            String text = Addresses.toText(address);
            throw new EgressDeniedException(blocked.rule(), (what == null ? text : what + " resolves to " + text)
                + ", " + blocked.what() + ", which egress blocks unless allow_cidrs contains it");
        }
    }

    @Override
    public void checkTightens(Guardrail.Rules parentRules) throws PolicyException {
        if (!(parentRules instanceof EgressRules parent)) {
            throw new PolicyException("", "the parent profile's egress rules come from another egress guardrail");
        }
        int i = 0;
        for (String scheme : schemes.stream().sorted().toList()) {
            if (!parent.schemes.contains(scheme)) {
                throw new PolicyException("/schemes", "allows the scheme '" + scheme
                    + "', which the parent profile does not: a profile may only remove schemes");
            }
        }
        for (DomainPattern pattern : allow) {
            if (parent.allow.stream().noneMatch(p -> p.covers(pattern))) {
                throw new PolicyException("/allow_domains/" + i, "allows '" + pattern
                    + "', which the parent profile's allow_domains does not cover: a profile may only narrow it");
            }
            i++;
        }
        for (DomainPattern pattern : parent.deny) {
            if (deny.stream().noneMatch(p -> p.covers(pattern))) {
                throw new PolicyException("/deny_domains", "drops the parent profile's deny_domains entry '" + pattern
                    + "': a profile may only add to deny_domains");
            }
        }
        i = 0;
        for (Cidr cidr : cidrs) {
            if (parent.cidrs.stream().noneMatch(p -> p.contains(cidr))) {
                throw new PolicyException("/allow_cidrs/" + i, "allows " + cidr
                    + ", which no allow_cidrs block of the parent profile contains: a profile may only narrow it");
            }
            i++;
        }
    }

    @Override
    public String toString() {
        return "egress{schemes=" + schemes + ", allow_domains=" + allow + ", deny_domains=" + deny + ", allow_cidrs=" + cidrs + "}";
    }
}
