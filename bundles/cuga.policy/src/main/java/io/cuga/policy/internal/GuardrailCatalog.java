package io.cuga.policy.internal;

import java.util.Set;

import io.cuga.api.guardrail.Guardrail;

/** The guardrail implementations a document can be compiled with: OSGi services, or the class path for the CLI. */
interface GuardrailCatalog {

    /**
     * One guardrail implementation of a type.
     *
     * @param type its type ({@link Guardrail#TYPE})
     * @param guardrail the implementation
     * @param order its place in the chain ({@link Guardrail#ORDER}), lower first
     * @param id what identifies it while it is present (the service id; 0 on the class path)
     * @param origin where it comes from, for messages (a bundle's symbolic name, a class name)
     */
    record Provided(String type, Guardrail guardrail, int order, long id, String origin) {
    }

    /**
     * @param type a guardrail type
     * @return the implementation to compile that type with, or null when there is none
     */
    Provided find(String type);

    /** @return the types present */
    Set<String> types();

    /**
     * @param type a type without an implementation
     * @return why a document naming it is refused
     */
    String missing(String type);
}
