package io.cuga.api.memory;

/**
 * A search result.
 *
 * @param entry the entry
 * @param score how well it matches, higher is better (comparable only within one result list)
 */
public record MemoryHit(MemoryEntry entry, double score) {
}
