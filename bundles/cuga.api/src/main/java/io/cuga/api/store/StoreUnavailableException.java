package io.cuga.api.store;

/**
 * The store cannot do what was asked right now: its database is unreachable, read-only, full, or its schema
 * migration failed. Callers fail closed on it: a call that needs the store is refused (HTTP 503), never run
 * unaudited. The message is safe to show to a client: it names the problem, not credentials or SQL.
 */
public class StoreUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what is unavailable and why, safe for clients
     */
    public StoreUnavailableException(String message) {
        super(message);
    }

    /**
     * @param message what is unavailable and why, safe for clients
     * @param cause the underlying failure (logged, never shown to clients)
     */
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
