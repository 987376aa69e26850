package io.cuga.api.policy;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

import io.cuga.api.guardrail.Guardrail;

/**
 * One profile's active policy: the validated, effective document (its {@code extends} chain merged) with the
 * compiled rules of every guardrail type it names. Immutable: a reload makes a new one.
 */
@ProviderType
public interface Policy {

    /** @return the profile this policy governs */
    String profile();

    /** @return the activation number of this profile's policy, 1 for the first; grows with every activation */
    long version();

    /** @return {@code sha256:<hex>} of the source document's bytes */
    String digest();

    /** @return where the document came from: a file path, or {@code api} */
    String source();

    /** @return who activated it: a principal, or {@code file} for a file edit */
    String author();

    /** @return when it was activated */
    Instant activatedAt();

    /** @return the guardrail types the policy needs, in chain order */
    List<String> guardrails();

    /**
     * The compiled rules of one type. When the guardrail bundle that compiled them has gone away (stopped,
     * updated or uninstalled), the policy stays active but this returns rules that deny every call: their
     * {@code check} answers {@link io.cuga.api.decision.Verdict#DENY} with guardrail {@code type}, rule
     * {@code guardrail_missing} and reason {@code guardrail bundle for type <type> is not installed}, and their
     * {@code checkTightens} throws. The loader compiles the document again when a guardrail of that type returns
     * and activates the result as a new version; until then the readiness check {@code policy} is not ready.
     * A call that took the rules before the bundle went away keeps them (and the chain denies if they throw).
     *
     * @param type a guardrail type
     * @return the compiled rules of that type in this policy, or null when the policy does not name it
     */
    Guardrail.Rules rules(String type);

    /** @return the effective document (after {@code extends}) as JSON-compatible values */
    Map<String, Object> document();
}
