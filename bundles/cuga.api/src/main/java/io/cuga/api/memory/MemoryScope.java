package io.cuga.api.memory;

import java.util.Objects;

/**
 * Where an entry lives. Profiles never see each other's entries; a session sees its own entries and, when a
 * query asks for it, the profile-wide ones (session empty).
 *
 * @param profile the policy profile, never empty
 * @param session the session, empty for profile-wide memory
 */
public record MemoryScope(String profile, String session) {

    /** Checks the fields. */
    public MemoryScope {
        Objects.requireNonNull(profile, "profile");
        if (profile.isBlank()) {
            throw new IllegalArgumentException("a memory scope needs a profile");
        }
        session = session == null ? "" : session;
    }
}
