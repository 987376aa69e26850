package io.cuga.webconsole.internal;

import java.util.ArrayList;
import java.util.List;

import io.cuga.api.event.Event;

/**
 * The most recent events, numbered: a ring of fixed size that the event bus fills and the Events page reads
 * from a number on. When it is full the oldest event makes room; a reader that fell further behind learns how
 * many it missed.
 */
final class EventBuffer {

    /** A buffered event with its number (1 for the first event this buffer took). */
    record Entry(long seq, Event event) {
    }

    /** What a reader gets: events after its number, the number to ask from next, and how many it missed. */
    record Slice(List<Entry> entries, long last, long missed) {
    }

    private final Entry[] ring;
    private long seq;

    /** @param capacity the most events kept, at least 1 */
    EventBuffer(int capacity) {
        ring = new Entry[Math.max(1, capacity)];
    }

    /** Takes an event; never blocks on readers for longer than a copy of the ring. */
    synchronized void add(Event event) {
        seq++;
        ring[(int) (seq % ring.length)] = new Entry(seq, event);
    }

    /**
     * @param after the number of the last event the reader has, 0 for none; a number this buffer has not
     *     reached counts as 0
     * @param max the most events to return (the newest ones when there are more)
     * @return the events after that number, oldest first
     */
    synchronized Slice after(long after, int max) {
        if (after > seq) {
            after = 0; // numbers of an earlier buffer (the page outlived a restart): start over
        }
        long from = Math.max(after, seq - ring.length) + 1;
        long missed = Math.max(0, from - after - 1);
        if (seq - from + 1 > max) {
            missed += seq - from + 1 - max;
            from = seq - max + 1;
        }
        List<Entry> out = new ArrayList<>((int) Math.max(0, seq - from + 1));
        for (long s = from; s <= seq; s++) {
            out.add(ring[(int) (s % ring.length)]);
        }
        return new Slice(out, seq, after == 0 ? 0 : missed);
    }

    /** @return the number of the newest event, 0 when none came yet */
    synchronized long last() {
        return seq;
    }
}
