package io.cuga.guardrail.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/** The bucket's atomicity under contention: threads hammering one bucket in tight loops. */
class TokenBucketTest {

    @Test
    void tightLoopsNeverTakeMoreThanTheBurst() throws Exception {
        int threads = 4;
        int attempts = 200_000;
        TokenBucket bucket = new TokenBucket(0.001, 500_000, 0); // the clock stands still at 0
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    int granted = 0;
                    for (int i = 0; i < attempts; i++) {
                        if (bucket.take(0) == TokenBucket.GRANTED) {
                            granted++;
                        }
                    }
                    return granted;
                }));
            }
            int granted = 0;
            for (Future<Integer> f : results) {
                granted += f.get();
            }
            assertThat(granted).isEqualTo(500_000);
            assertThat(bucket.tokens(0)).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void takesAndRefundsInterleavedLoseNoToken() throws Exception {
        int threads = 4;
        TokenBucket bucket = new TokenBucket(0.001, 1_000, 0);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 100_000; i++) {
                        if (bucket.take(0) == TokenBucket.GRANTED) {
                            bucket.refund();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get();
            }
            assertThat(bucket.tokens(0)).isEqualTo(1_000);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBucketIsRetiredOnlyWhenFull() {
        TokenBucket bucket = new TokenBucket(1, 2, 0);
        assertThat(bucket.take(0)).isEqualTo(TokenBucket.GRANTED);
        assertThat(bucket.retireIfFull(500_000_000L)).isFalse();
        assertThat(bucket.retireIfFull(1_000_000_000L)).isTrue();
        assertThat(bucket.take(1_000_000_000L)).isEqualTo(TokenBucket.DEAD);
        assertThat(bucket.peek(1_000_000_000L)).isEqualTo(TokenBucket.GRANTED);
    }
}
