package io.cuga.tool.openapi.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** One OpenAPI service: factory PID {@code cuga.tool.openapi}, one configuration per service. */
@ObjectClassDefinition(id = OpenApiConfig.PID, name = "cuga OpenAPI service",
    description = "An OpenAPI 3.0/3.1 document whose operations become tools named <name>_<operationId>.")
public @interface OpenApiConfig {

    /** The factory PID. */
    String PID = "cuga.tool.openapi";

    @AttributeDefinition(name = "Name", description = "The service name: the prefix of every tool name "
        + "(letters, digits, '_' and '-').")
    String name();

    @AttributeDefinition(name = "Spec", description = "The OpenAPI document (JSON or YAML): a file path (relative "
        + "paths resolve against the runtime-config directory) or an http(s) URL, fetched through egress.")
    String spec();

    @AttributeDefinition(name = "Spec profile", description = "The policy profile whose egress rules apply when "
        + "the spec is fetched from a URL.")
    String spec_profile() default "default";

    @AttributeDefinition(name = "Base URL", description = "Overrides the document's first server URL.",
        required = false)
    String base_url() default "";

    @AttributeDefinition(name = "Auth", options = {@Option(value = "none"), @Option(value = "bearer"),
        @Option(value = "api_key")})
    String auth() default "none";

    @AttributeDefinition(name = "Token", description = "The bearer token or API key, inline (prefer token.env or "
        + "token.file).", required = false, type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
    String auth_token() default "";

    @AttributeDefinition(name = "Token variable", description = "An environment variable holding the token.",
        required = false)
    String auth_token_env() default "";

    @AttributeDefinition(name = "Token file", description = "A file holding the token (trailing whitespace "
        + "dropped; relative paths resolve against the data directory, e.g. secrets/github.token).", required = false)
    String auth_token_file() default "";

    @AttributeDefinition(name = "API key header", description = "The header that carries the key (auth = api_key).")
    String auth_header() default "X-API-Key";

    @AttributeDefinition(name = "Include", description = "Globs over operationIds (and tool names): only these "
        + "become tools.")
    String[] include() default {"*"};

    @AttributeDefinition(name = "Exclude", description = "Globs over operationIds (and tool names) left out.",
        required = false)
    String[] exclude() default {};

    @AttributeDefinition(name = "Risk", description = "Overrides as glob=TIER (READ, WRITE, EXTERNAL, DELETE, "
        + "FINANCIAL), matched against operationIds and tool names; the first match wins.", required = false)
    String[] risk() default {};

    @AttributeDefinition(name = "Connect timeout (ms)")
    long connect_timeout_millis() default 10_000;

    @AttributeDefinition(name = "Read timeout (ms)")
    long read_timeout_millis() default 30_000;

    @AttributeDefinition(name = "Tool timeout (ms)", description = "The tools' call timeout; 0 is the server "
        + "default.")
    long timeout_millis() default 0;

    @AttributeDefinition(name = "Max response bytes")
    long max_response_bytes() default 1_048_576;

    @AttributeDefinition(name = "Max spec bytes")
    long max_spec_bytes() default 8_388_608;

    @AttributeDefinition(name = "Spec retry (ms)", description = "A spec URL that cannot be fetched or used at "
        + "activation is tried again after this long, the wait doubling after each failure.", min = "10")
    long spec_retry_initial_millis() default 1_000;

    @AttributeDefinition(name = "Longest spec retry (ms)", description = "The cap of the spec retry backoff.",
        min = "10")
    long spec_retry_max_millis() default 300_000;
}
