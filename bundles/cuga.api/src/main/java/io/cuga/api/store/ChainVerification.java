package io.cuga.api.store;

/**
 * The result of checking the audit trail's hash chain.
 *
 * @param intact true when every record's hash matches its content and the hash before it, and positions are
 *     contiguous from 1
 * @param records how many records were checked
 * @param firstBrokenSeq the position of the first record that breaks the chain, 0 when intact
 * @param problem what is wrong at {@code firstBrokenSeq}, empty when intact
 */
public record ChainVerification(boolean intact, long records, long firstBrokenSeq, String problem) {
}
