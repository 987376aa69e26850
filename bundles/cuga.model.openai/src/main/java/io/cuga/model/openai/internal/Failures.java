package io.cuga.model.openai.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.TimeoutException;
import io.cuga.api.model.ModelException;
import io.cuga.api.model.ModelException.Kind;

/**
 * Turns what LangChain4j and the JDK HTTP client throw into {@link ModelException}s whose messages are safe to
 * show: the HTTP status and at most a short provider error message, never a raw body, never the key. The
 * original exception is not attached (its message may hold the whole response body); for transport failures the
 * JDK's own exception (host and port at most) is.
 */
final class Failures {

    /** The longest provider error message passed on. */
    static final int MAX_PROVIDER_MESSAGE = 200;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String secret;
    private final String endpoint;

    /**
     * @param secret the API key, removed from every message (empty for none)
     * @param endpoint the base URL, named in connection failures
     */
    Failures(String secret, String endpoint) {
        this.secret = secret == null ? "" : secret;
        this.endpoint = endpoint;
    }

    /** @return a timeout after {@code millis} */
    ModelException deadline(long millis) {
        return new ModelException(Kind.TIMEOUT, "the model did not answer within " + millis + " ms", null);
    }

    /** @return a malformed answer, {@code what} saying how (no body text) */
    ModelException badResponse(String what) {
        return new ModelException(Kind.BAD_RESPONSE, "the model's answer is not usable: " + what, null);
    }

    /**
     * @param failure anything LangChain4j or the HTTP client threw
     * @return the model exception, kind by the HTTP status or the failure's nature
     */
    ModelException classify(Throwable failure) {
        if (failure instanceof ModelException m) {
            return m;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpException http) {
                return fromStatus(http.statusCode(), http.getMessage());
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return new ModelException(Kind.UNAVAILABLE, "cannot connect to " + endpoint + " (connect timed out)",
                    null);
            }
            if (t instanceof HttpTimeoutException || t instanceof TimeoutException
                || t instanceof java.util.concurrent.TimeoutException) {
                return new ModelException(Kind.TIMEOUT, "the model did not answer in time (HTTP timeout)", null);
            }
            if (t instanceof ConnectException || t instanceof UnresolvedAddressException
                || t instanceof java.net.UnknownHostException) {
                return new ModelException(Kind.UNAVAILABLE, "cannot connect to " + endpoint + " ("
                    + t.getClass().getSimpleName() + ")", null);
            }
            if (t instanceof JacksonException) {
                return badResponse("not JSON of the chat-completions protocol");
            }
            if (t instanceof IOException io) {
                return new ModelException(Kind.UNAVAILABLE, "the connection to " + endpoint + " failed ("
                    + io.getClass().getSimpleName() + ")", null);
            }
        }
        // LangChain4j's own checks of the parsed answer (no choices, missing fields) and anything unexpected
        return badResponse("unexpected answer (" + failure.getClass().getSimpleName() + ")");
    }

    /**
     * @param status the HTTP status
     * @param body the response body (read for the provider's error message only)
     * @return the exception for that status
     */
    ModelException fromStatus(int status, String body) {
        Kind kind;
        if (status == 401 || status == 403) {
            kind = Kind.AUTHENTICATION;
        } else if (status == 429) {
            kind = Kind.RATE_LIMITED;
        } else if (status == 408) {
            kind = Kind.TIMEOUT;
        } else if (status >= 500) {
            kind = Kind.UNAVAILABLE;
        } else if (status >= 400) {
            kind = Kind.BAD_REQUEST;
        } else {
            kind = Kind.BAD_RESPONSE;
        }
        String detail = providerMessage(body);
        return new ModelException(kind, "the model answered HTTP " + status + (detail.isEmpty() ? "" : ": " + detail),
            null);
    }

    /**
     * The provider's error message from an error body ({@code {"error":{"message":...}}} as OpenAI and vLLM
     * answer, {@code {"error":"..."}} as Ollama does, or {@code {"message":...}}), shortened, key removed; empty
     * when the body is not such JSON.
     */
    String providerMessage(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String message = "";
        try {
            JsonNode root = JSON.readTree(body);
            JsonNode error = root == null ? null : root.get("error");
            if (error != null && error.isTextual()) {
                message = error.asText();
            } else if (error != null && error.path("message").isTextual()) {
                message = error.path("message").asText();
            } else if (root != null && root.path("message").isTextual()) {
                message = root.path("message").asText();
            }
        } catch (JacksonException | RuntimeException e) {
            return "";
        }
        return safe(message);
    }

    /** @return {@code text} on one line, without the key, at most {@value #MAX_PROVIDER_MESSAGE} characters */
    String safe(String text) {
        String s = text.replaceAll("[\\p{Cntrl}]+", " ").trim();
        if (secret.length() >= 4) {
            s = s.replace(secret, "***");
        }
        if (s.length() > MAX_PROVIDER_MESSAGE) {
            s = s.substring(0, MAX_PROVIDER_MESSAGE) + "...";
        }
        return s.toLowerCase(Locale.ROOT).contains("bearer ") ? s.replaceAll("(?i)bearer\\s+\\S+", "Bearer ***") : s;
    }
}
