package io.cuga.guardrail.egress.internal;

import java.net.InetAddress;
import java.net.URI;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.net.EgressDeniedException;
import io.cuga.api.net.EgressGuard;
import io.cuga.api.policy.Policy;
import io.cuga.api.policy.PolicyService;

/**
 * The connect-time egress check, under the egress rules of the profile's active policy. Fails closed: without
 * a policy service, without an active policy for the profile, or with a policy that does not name the egress
 * guardrail, nothing may connect.
 */
@Component(service = EgressGuard.class)
public class EgressGuardService implements EgressGuard {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile PolicyService policies;

    /** For DS. */
    public EgressGuardService() {
    }

    /** @param policies the policy service, or null for none (tests) */
    EgressGuardService(PolicyService policies) {
        this.policies = policies;
    }

    @Override
    public void checkTarget(String profile, URI target) throws EgressDeniedException {
        rules(profile).checkTarget(target);
    }

    @Override
    public void checkAddress(String profile, String host, InetAddress address) throws EgressDeniedException {
        if (address == null) {
            throw new EgressDeniedException("invalid_url", "no address to check");
        }
        rules(profile).checkAddress(host, address);
    }

    private EgressRules rules(String profile) throws EgressDeniedException {
        PolicyService service = policies;
        if (service == null) {
            throw new EgressDeniedException("no_policy", "no policy service is running, so nothing may connect");
        }
        Optional<Policy> policy = profile == null ? Optional.empty() : service.active(profile);
        if (policy.isEmpty()) {
            throw new EgressDeniedException("no_policy", "the profile '" + profile
                + "' has no active policy, so nothing may connect");
        }
        Guardrail.Rules rules = policy.get().rules(EgressRules.TYPE);
        if (rules == null) {
            throw new EgressDeniedException("egress_not_in_policy", "the policy of profile '" + profile
                + "' does not name the egress guardrail, so nothing may connect");
        }
        if (!(rules instanceof EgressRules egress)) {
            throw new EgressDeniedException("egress_not_in_policy", "the policy of profile '" + profile
                + "' was compiled by another egress guardrail; it is denied until it is reloaded");
        }
        return egress;
    }
}
