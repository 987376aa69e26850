package io.cuga.api.policy;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Administration of the policy documents, for the admin API: what each profile runs and what was refused,
 * activation of a document sent over the API, history and rollback. Provided by the policy loader next to
 * {@link PolicyService}; callers on the call path need only {@link PolicyService}.
 */
@ProviderType
public interface PolicyAdmin {

    /** @return every profile the loader knows (with an active policy, a refused document or a history), sorted */
    List<ProfileState> profiles();

    /**
     * @param profile a profile name
     * @return its state, empty when the loader knows nothing of it
     */
    Optional<ProfileState> profile(String profile);

    /**
     * Validates a document and, when valid, writes it to the policies folder as {@code <profile>.yaml} (a
     * temporary file renamed into place, so the file and the active policy agree) and activates it as a new
     * version. When invalid, nothing is written and the active policy keeps serving.
     *
     * @param profile the profile, which the document's {@code profile} must name
     * @param document the YAML document, UTF-8
     * @param author the principal activating it
     * @return the activated policy
     * @throws PolicyException when the document is invalid; carries file, line and column
     * @throws IOException when the file could not be written (nothing was activated)
     */
    Policy put(String profile, byte[] document, String author) throws PolicyException, IOException;

    /**
     * @param profile a profile name
     * @return its activations, newest first; empty when it has none. Bounded: the oldest are dropped.
     */
    List<Revision> history(String profile);

    /**
     * Activates an earlier version again, as a new version: the document of that version is validated again
     * (against the guardrails and parent installed now), written to the policies folder and activated.
     *
     * @param profile the profile
     * @param version a version in its {@link #history(String)}
     * @param author the principal rolling back
     * @return the activated policy
     * @throws NoSuchElementException when the version is not (or no longer) in the history
     * @throws PolicyException when that document is no longer valid; the active policy keeps serving
     * @throws IOException when the file could not be written (nothing was activated)
     */
    Policy rollback(String profile, long version, String author) throws PolicyException, IOException;

    /**
     * What one profile runs.
     *
     * @param profile the profile
     * @param active its active policy, or null (no document, deleted, or never valid)
     * @param lastRefusal the refusal of its latest document, or null; cleared when a document activates
     * @param missingGuardrails types the active policy names whose guardrail bundle is gone (calls denied)
     */
    record ProfileState(String profile, Policy active, Refusal lastRefusal, List<String> missingGuardrails) {

        /** Freezes the list. */
        public ProfileState {
            missingGuardrails = missingGuardrails == null ? List.of() : List.copyOf(missingGuardrails);
        }
    }

    /**
     * A refused document.
     *
     * @param profile the profile
     * @param digest {@code sha256:<hex>} of the refused bytes
     * @param source where the document came from: a file path, or {@code api}
     * @param author who sent it: a principal, or {@code file}
     * @param at when it was refused
     * @param error what is wrong and where (file, line, column, JSON-pointer path)
     */
    record Refusal(String profile, String digest, String source, String author, Instant at, PolicyException error) {
    }

    /**
     * One activation of a profile's policy.
     *
     * @param profile the profile
     * @param version its version
     * @param digest {@code sha256:<hex>} of the document's bytes
     * @param author who activated it: a principal, or {@code file}
     * @param source where the document came from: a file path, or {@code api}
     * @param activatedAt when
     * @param note why, when it was not a plain edit (for example {@code rollback to v2}), else empty
     */
    record Revision(String profile, long version, String digest, String author, String source, Instant activatedAt,
        String note) {
    }
}
