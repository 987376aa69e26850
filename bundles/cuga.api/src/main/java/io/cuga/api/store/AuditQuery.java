package io.cuga.api.store;

import java.time.Instant;

/**
 * Which audit records to list, newest first. Every filter is optional (null or empty = any); filters combine
 * with AND.
 *
 * @param traceId only records of this trace
 * @param callId only records of this call
 * @param tool only records of this tool
 * @param decision only records with this final verdict ({@code ALLOW}, {@code DENY}, ...)
 * @param kind only records of this kind
 * @param profile only records of this profile
 * @param since only records at or after this time
 * @param beforeSeq only records before this position (paging: the {@link AuditPage#next()} cursor), 0 = from
 *     the newest
 * @param limit at most this many records, 1 to 1000
 */
public record AuditQuery(String traceId, String callId, String tool, String decision, String kind,
    String profile, Instant since, long beforeSeq, int limit) {

    /** The largest page. */
    public static final int MAX_LIMIT = 1000;

    /** Checks the limit and normalises empty filters to null. */
    public AuditQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
        }
        if (beforeSeq < 0) {
            throw new IllegalArgumentException("beforeSeq must not be negative");
        }
        traceId = blankToNull(traceId);
        callId = blankToNull(callId);
        tool = blankToNull(tool);
        decision = blankToNull(decision);
        kind = blankToNull(kind);
        profile = blankToNull(profile);
    }

    /**
     * @param limit the page size
     * @return a query for the newest records, unfiltered
     */
    public static AuditQuery newest(int limit) {
        return new AuditQuery(null, null, null, null, null, null, null, 0, limit);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
