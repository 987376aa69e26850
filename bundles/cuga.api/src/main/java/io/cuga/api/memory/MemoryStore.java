package io.cuga.api.memory;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A memory backend. Every operation is confined to one profile: nothing of another profile is ever returned,
 * counted or deleted. Retention (maximum age, maximum entries per scope) is the backend's configuration and is
 * applied on every {@link #put} (count) and periodically (age).
 */
@ProviderType
public interface MemoryStore {

    /** Service property: the backend's name ({@code memory}, {@code sqlite}, {@code postgres}). */
    String BACKEND = "cuga.memory.backend";

    /**
     * Stores an entry (durable on return for the database backends).
     *
     * @param entry the entry; an empty id and a null time are assigned
     * @return the entry as stored
     * @throws io.cuga.api.store.StoreUnavailableException when the backend's database cannot be reached
     */
    MemoryEntry put(MemoryEntry entry);

    /**
     * @param scope the scope the entry must be in
     * @param id the entry's id
     * @return the entry, empty when there is none of that id in that scope
     */
    Optional<MemoryEntry> get(MemoryScope scope, String id);

    /**
     * @param scope where to search
     * @param query what to search for
     * @return the hits, best first
     */
    List<MemoryHit> search(MemoryScope scope, MemoryQuery query);

    /**
     * @param scope the scope the entry must be in
     * @param id the entry's id
     * @return true when an entry was deleted
     */
    boolean delete(MemoryScope scope, String id);

    /**
     * Deletes every entry of a scope (of a session; or, for a profile-wide scope, the profile-wide entries only).
     *
     * @param scope the scope
     * @return how many entries were deleted
     */
    int clear(MemoryScope scope);

    /**
     * @param scope the scope
     * @return how many entries the scope holds
     */
    long count(MemoryScope scope);
}
