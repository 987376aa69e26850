package io.cuga.tool.http.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of both HTTP tools (PID {@value #PID}). */
@ObjectClassDefinition(name = "cuga HTTP tools",
    description = "Timeouts, limits and retries of http_get and http_request.")
public @interface HttpToolConfig {

    /** The configuration PID both tools share. */
    String PID = "cuga.tool.http";

    @AttributeDefinition(name = "Connect timeout (ms)", description = "How long one connection attempt may take.", min = "1")
    long connect_timeout_millis() default 10_000;

    @AttributeDefinition(name = "Read timeout (ms)",
        description = "How long the server may stay silent while the response is read.", min = "1")
    long read_timeout_millis() default 30_000;

    @AttributeDefinition(name = "Maximum response size (bytes)",
        description = "Bytes of response body kept; a longer body is cut there and the result says truncated: true.",
        min = "0")
    long max_response_bytes() default 1_048_576;

    @AttributeDefinition(name = "Maximum redirects", description = "Redirects followed, each checked by egress.",
        min = "0", max = "20")
    int max_redirects() default 5;

    @AttributeDefinition(name = "Maximum attempts",
        description = "Attempts of an idempotent request (GET, HEAD, PUT, DELETE, OPTIONS) that fails to connect "
            + "or gets 502, 503 or 504; 1 means no retry. POST and PATCH are never retried.", min = "1", max = "10")
    int max_attempts() default 3;

    @AttributeDefinition(name = "Retry backoff (ms)",
        description = "Wait before the first retry; it doubles for each further retry.", min = "0")
    long retry_backoff_millis() default 200;

    @AttributeDefinition(name = "Maximum retry wait (ms)",
        description = "The longest wait before a retry, also the longest Retry-After honoured.", min = "0")
    long retry_backoff_max_millis() default 5_000;

    @AttributeDefinition(name = "User-Agent", description = "The User-Agent header sent unless a call sets one.")
    String user_agent() default "cuga-http/1.0";
}
