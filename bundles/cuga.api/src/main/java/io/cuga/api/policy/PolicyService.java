package io.cuga.api.policy;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/** The active policies, one per profile. */
@ProviderType
public interface PolicyService {

    /**
     * @param profile a profile name
     * @return its active policy, if it has one; a call under a profile without one is denied (fail closed)
     */
    Optional<Policy> active(String profile);

    /** @return every active policy, sorted by profile */
    List<Policy> all();
}
