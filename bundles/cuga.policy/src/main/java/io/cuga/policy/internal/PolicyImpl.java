package io.cuga.policy.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.Policy;

/**
 * One activation of a profile's policy: immutable, except that the rules of a type whose guardrail has gone
 * away answer with {@link MissingGuardrailRules} (the presence of each guardrail is looked up on every
 * {@link #rules(String)} call, so a removal is seen at once).
 */
final class PolicyImpl implements Policy {

    private final PolicyCompiler.Compiled compiled;
    private final long version;
    private final String source;
    private final String author;
    private final Instant activatedAt;
    private final byte[] bytes;
    private final LongPredicate present;
    private final Map<String, Guardrail.Rules> missing;

    /**
     * @param compiled the compiled document
     * @param version its version
     * @param source where the document came from
     * @param author who activated it
     * @param activatedAt when
     * @param bytes the document's bytes (for recompiling it), not copied
     * @param present whether the guardrail with a given id is still present
     */
    PolicyImpl(PolicyCompiler.Compiled compiled, long version, String source, String author, Instant activatedAt,
        byte[] bytes, LongPredicate present) {
        this.compiled = compiled;
        this.version = version;
        this.source = source;
        this.author = author;
        this.activatedAt = activatedAt;
        this.bytes = bytes;
        this.present = present;
        Map<String, Guardrail.Rules> denying = new LinkedHashMap<>();
        for (String type : compiled.chain()) {
            denying.put(type, new MissingGuardrailRules(type));
        }
        this.missing = Map.copyOf(denying);
    }

    @Override
    public String profile() {
        return compiled.profile();
    }

    @Override
    public long version() {
        return version;
    }

    @Override
    public String digest() {
        return compiled.digest();
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public String author() {
        return author;
    }

    @Override
    public Instant activatedAt() {
        return activatedAt;
    }

    @Override
    public List<String> guardrails() {
        return compiled.chain();
    }

    @Override
    public Guardrail.Rules rules(String type) {
        Guardrail.Rules rules = compiled.rules().get(type);
        if (rules == null) {
            return null;
        }
        return present.test(compiled.providers().get(type).id()) ? rules : missing.get(type);
    }

    @Override
    public Map<String, Object> document() {
        return compiled.document();
    }

    /** @return the types whose guardrail has gone away since this policy was compiled, in chain order */
    List<String> missingGuardrails() {
        List<String> out = new ArrayList<>(0);
        for (String type : compiled.chain()) {
            if (!present.test(compiled.providers().get(type).id())) {
                out.add(type);
            }
        }
        return out;
    }

    /** @return the compiled form */
    PolicyCompiler.Compiled compiled() {
        return compiled;
    }

    /** @return the document's bytes, not copied: do not modify */
    byte[] bytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return "Policy[" + profile() + " v" + version + ", " + digest() + "]";
    }
}
