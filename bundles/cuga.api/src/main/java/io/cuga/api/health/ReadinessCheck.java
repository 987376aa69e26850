package io.cuga.api.health;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One condition of readiness, registered as a service by whatever the server needs to serve (the
 * orchestrator, a store, the policy loader). {@code GET /ready} is ready only when every registered check is.
 * A check must answer quickly and must not throw; a check that throws counts as not ready.
 */
@ConsumerType
public interface ReadinessCheck {

    /** @return a short name shown in the readiness report, such as {@code orchestrator} */
    String name();

    /** @return the current state */
    Readiness check();

    /**
     * The state of one check.
     *
     * @param ready whether the condition holds
     * @param detail what holds or what is missing, for people
     */
    record Readiness(boolean ready, String detail) {
    }
}
