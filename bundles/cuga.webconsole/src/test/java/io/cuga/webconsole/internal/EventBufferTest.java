package io.cuga.webconsole.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.cuga.api.event.Event;

class EventBufferTest {

    private static Event event(int i) {
        return new Event("tool.call." + i, null, null, null, null, "ok", 0, null);
    }

    private static List<Long> seqs(EventBuffer.Slice slice) {
        return slice.entries().stream().map(EventBuffer.Entry::seq).toList();
    }

    @Test
    void readersGetWhatCameAfterTheirNumberInOrder() {
        EventBuffer buffer = new EventBuffer(10);
        assertThat(buffer.after(0, 100).entries()).isEmpty();
        for (int i = 1; i <= 4; i++) {
            buffer.add(event(i));
        }
        assertThat(seqs(buffer.after(0, 100))).containsExactly(1L, 2L, 3L, 4L);
        assertThat(seqs(buffer.after(2, 100))).containsExactly(3L, 4L);
        assertThat(buffer.after(4, 100).entries()).isEmpty();
        assertThat(buffer.after(2, 100).entries().get(0).event().type()).isEqualTo("tool.call.3");
        assertThat(buffer.last()).isEqualTo(4);
    }

    @Test
    void theBufferIsBoundedAndAReaderLearnsWhatItMissed() {
        EventBuffer buffer = new EventBuffer(10);
        for (int i = 1; i <= 25; i++) {
            buffer.add(event(i));
        }
        EventBuffer.Slice all = buffer.after(0, 100);
        assertThat(seqs(all)).containsExactly(16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L, 25L);
        assertThat(all.missed()).isZero(); // a new reader missed nothing of its own
        EventBuffer.Slice behind = buffer.after(5, 100);
        assertThat(seqs(behind)).startsWith(16L).endsWith(25L);
        assertThat(behind.missed()).isEqualTo(10); // 6..15 were overwritten
        EventBuffer.Slice capped = buffer.after(20, 3);
        assertThat(seqs(capped)).containsExactly(23L, 24L, 25L);
        assertThat(capped.missed()).isEqualTo(2);
    }

    @Test
    void aNumberFromAnEarlierBufferStartsOver() {
        EventBuffer buffer = new EventBuffer(10);
        buffer.add(event(1));
        assertThat(seqs(buffer.after(999, 100))).containsExactly(1L);
    }
}
