package io.cuga.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class IsoInstantTest {

    @Test
    void writesWhatInstantToStringWrites() {
        SplittableRandom random = new SplittableRandom(613);
        long now = Instant.now().getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            // mostly seconds near now (the cache hit), some anywhere in years 0 to 9999
            long second = i % 10 == 0 ? random.nextLong(-62_167_219_200L, 253_402_300_799L)
                : now + random.nextLong(-3, 4);
            int nanos = switch (i % 5) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(second, nanos);
            assertThat(IsoInstant.format(instant)).as("%s", instant).isEqualTo(instant.toString());
        }
    }

    @Test
    void yearsOutsideFourDigitsAreLeftToTheGeneralFormatter() {
        for (Instant instant : new Instant[] {Instant.MAX, Instant.MIN, Instant.parse("+10000-01-01T00:00:00.5Z"),
            Instant.parse("-0001-12-31T23:59:59.000000001Z"), Instant.EPOCH}) {
            assertThat(IsoInstant.format(instant)).isEqualTo(instant.toString());
        }
    }
}
