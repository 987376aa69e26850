package io.cuga.http.internal;

import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the bytes read from a request body and fails with {@link TooLarge} as soon as more than the limit
 * arrive, so a chunked body without a Content-Length cannot grow past it either.
 */
final class BoundedInputStream extends InputStream {

    /** Thrown when the body exceeds the limit. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(long limit) {
            super("request body exceeds " + limit + " bytes", null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    private final InputStream in;
    private final long limit;
    private long count;

    /**
     * @param in the body
     * @param limit the most bytes accepted
     */
    BoundedInputStream(InputStream in, long limit) {
        this.in = in;
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            count(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n > 0) {
            count(n);
        }
        return n;
    }

    @Override
    public int available() throws IOException {
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** @return the bytes read so far */
    long count() {
        return count;
    }

    private void count(int n) throws TooLarge {
        count += n;
        if (count > limit) {
            throw new TooLarge(limit);
        }
    }
}
