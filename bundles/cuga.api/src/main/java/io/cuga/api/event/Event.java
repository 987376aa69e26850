package io.cuga.api.event;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened. Attributes are JSON-compatible values and are redacted before an event leaves the
 * process.
 *
 * @param type the event type, one of {@link EventTypes} or a plugin's own dotted name
 * @param time when it happened
 * @param traceId the W3C trace id it belongs to, or an empty string
 * @param profile the policy profile, or an empty string
 * @param session the session, or an empty string
 * @param status {@code ok}, {@code error}, {@code denied}, ... or an empty string
 * @param durationNanos how long what it reports took, 0 when not a duration
 * @param attributes further facts, never null
 */
public record Event(String type, Instant time, String traceId, String profile, String session, String status,
    long durationNanos, Map<String, Object> attributes) {

    /** Checks and normalises the fields. */
    public Event {
        Objects.requireNonNull(type, "type");
        time = time == null ? Instant.now() : time;
        traceId = traceId == null ? "" : traceId;
        profile = profile == null ? "" : profile;
        session = session == null ? "" : session;
        status = status == null ? "" : status;
        attributes = attributes == null ? Map.of() : attributes;
    }
}
