package io.cuga.api.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable agent tasks and sessions, shared by every replica on one database. Each is a JSON document with a few
 * indexed columns (status, profile, session, caller, times) and an optimistic version: an update names the
 * version it read and fails with {@link VersionConflictException} when someone else wrote in between.
 */
@ProviderType
public interface TaskStore {

    /**
     * The store instance this server's tasks run under, among the replicas sharing the database (since 1.2). A
     * task records it, so another replica can tell whether the one running the task is still there.
     *
     * @return this instance's id, empty when the store does not tell instances apart
     */
    default String instance() {
        return "";
    }

    /**
     * Whether a store instance is still there: it has shown life within the store's lease (since 1.2). A task
     * left open by an instance that is not (a crashed or killed replica, this server before a restart) can never
     * end by itself.
     *
     * @param instance an id from {@link #instance()}
     * @return true for this instance and for one seen within the lease; false for one not seen for longer, or
     *     unknown; true when the store does not tell instances apart (nothing is taken for gone)
     * @throws StoreUnavailableException when the store cannot be reached
     */
    default boolean isLive(String instance) {
        return true;
    }

    /**
     * Stores a new task.
     *
     * @param task the task, version 0 (it is stored as version 1)
     * @return the task as stored
     * @throws IllegalArgumentException when a task of that id exists
     * @throws StoreUnavailableException when the store cannot be reached
     */
    StoredDocument createTask(StoredDocument task);

    /**
     * Replaces a task if it is still at the version given.
     *
     * @param task the task, with the version it was read at
     * @return the task as stored, version one higher
     * @throws VersionConflictException when the stored version differs (or the task is gone)
     * @throws StoreUnavailableException when the store cannot be reached
     */
    StoredDocument updateTask(StoredDocument task);

    /**
     * @param id the task's id
     * @return the task, empty when there is none of that id
     * @throws StoreUnavailableException when the store cannot be reached
     */
    Optional<StoredDocument> getTask(String id);

    /**
     * @param query filters and limit
     * @return matching tasks, newest first
     * @throws StoreUnavailableException when the store cannot be reached
     */
    List<StoredDocument> listTasks(Query query);

    /**
     * Creates (version 0) or replaces (the version read) a session; sessions are keyed by profile and id, so two
     * profiles never share one.
     *
     * @param session the session: {@code id} is the session id, {@code session} is empty, {@code status} free
     * @return the session as stored, version one higher
     * @throws VersionConflictException when the stored version differs
     * @throws StoreUnavailableException when the store cannot be reached
     */
    StoredDocument saveSession(StoredDocument session);

    /**
     * @param profile the profile
     * @param id the session's id
     * @return the session, empty when the profile has none of that id
     * @throws StoreUnavailableException when the store cannot be reached
     */
    Optional<StoredDocument> getSession(String profile, String id);

    /**
     * A task or session as stored.
     *
     * @param id its id
     * @param version its optimistic version: 0 before it is first stored, then 1, 2, ...
     * @param status the task's status ({@code executing}, ...), indexed
     * @param profile the policy profile, indexed
     * @param session the session id, empty when none, indexed
     * @param caller who submitted it, indexed
     * @param createdAt when it was created
     * @param updatedAt when it was last written
     * @param document the JSON document (the whole task or session)
     */
    record StoredDocument(String id, long version, String status, String profile, String session, String caller,
        Instant createdAt, Instant updatedAt, String document) {

        /** Checks and normalises the fields. */
        public StoredDocument {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(document, "document");
            if (version < 0) {
                throw new IllegalArgumentException("version must not be negative");
            }
            status = status == null ? "" : status;
            profile = profile == null ? "" : profile;
            session = session == null ? "" : session;
            caller = caller == null ? "" : caller;
            updatedAt = updatedAt == null ? createdAt : updatedAt;
        }

        /**
         * @param newVersion the version
         * @param time the write's time
         * @return this document at that version and update time
         */
        public StoredDocument at(long newVersion, Instant time) {
            return new StoredDocument(id, newVersion, status, profile, session, caller, createdAt, time, document);
        }
    }

    /**
     * Which tasks to list. Every filter is optional (null or empty = any).
     *
     * @param profile only tasks of this profile
     * @param session only tasks of this session
     * @param caller only tasks of this caller
     * @param statuses only tasks in one of these statuses
     * @param limit at most this many, 1 to 1000
     */
    record Query(String profile, String session, String caller, Set<String> statuses, int limit) {

        /** The largest page. */
        public static final int MAX_LIMIT = 1000;

        /** Checks the limit and freezes the set. */
        public Query {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
            }
            statuses = statuses == null ? Set.of() : Set.copyOf(statuses);
        }
    }

    /** Someone else wrote the document since it was read: read it again and retry, or give up. */
    final class VersionConflictException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        /** @param message which document, which versions */
        public VersionConflictException(String message) {
            super(message);
        }
    }
}
