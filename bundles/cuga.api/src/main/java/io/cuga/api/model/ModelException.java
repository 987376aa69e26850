package io.cuga.api.model;

/** A model call that did not give a usable answer. The message is safe to show: no key, no raw body. */
public class ModelException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, which decides whether a retry may help. */
    public enum Kind {
        /** No answer within the deadline (retryable). */
        TIMEOUT(true),
        /** The provider limits the rate (retryable after a while). */
        RATE_LIMITED(true),
        /** The provider is unreachable or failed (5xx) (retryable). */
        UNAVAILABLE(true),
        /** The key or the permission is wrong (not retryable). */
        AUTHENTICATION(false),
        /** The request was refused as invalid (not retryable). */
        BAD_REQUEST(false),
        /** The answer could not be read (malformed JSON, unknown shape) (not retryable). */
        BAD_RESPONSE(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        /** @return whether the same call may succeed later */
        public boolean retryable() {
            return retryable;
        }
    }

    private final Kind kind;

    /**
     * @param kind what went wrong
     * @param message for people, safe to show
     * @param cause the underlying failure, or null
     */
    public ModelException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** @return what went wrong */
    public Kind kind() {
        return kind;
    }
}
