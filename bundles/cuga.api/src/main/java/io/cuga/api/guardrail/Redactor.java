package io.cuga.api.guardrail;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Replaces the values of secret keys in JSON-compatible values (maps with string keys, lists, scalars, nested
 * freely) by {@value #MASK}, before anything is logged, exported, audited or shown to an approver.
 */
@ProviderType
public interface Redactor {

    /** What a secret value becomes. */
    String MASK = "[REDACTED]";

    /**
     * @param value a JSON-compatible value; not modified
     * @return a copy in which every value under a secret key, at any depth, is {@link #MASK}; scalars are
     *     returned as they are
     */
    Object redact(Object value);

    /**
     * @param key a map key
     * @return true when values under this key are secret
     */
    boolean isSecret(String key);
}
