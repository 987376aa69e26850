package io.cuga.model.openai.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the OpenAI-compatible chat model (PID {@value #PID}). Empty values fall back to the
 * environment (see docs/models.md); runtime-config/cuga.model.openai.cfg documents every option.
 */
@ObjectClassDefinition(name = "cuga OpenAI-compatible chat model",
    description = "A chat model over the OpenAI chat-completions protocol (OpenAI, Ollama, vLLM, gateways). "
        + "Registered only when a model name is configured here or in CUGA_MODEL.")
public @interface OpenAiModelConfig {

    /** The configuration PID. */
    String PID = "cuga.model.openai";

    /** @return the API's base URL, empty for OPENAI_BASE_URL or https://api.openai.com/v1 */
    @AttributeDefinition(name = "Base URL", required = false,
        description = "The API's base URL, up to and including /v1 (chat completions are POSTed to "
            + "<base.url>/chat/completions). Empty: the environment variable OPENAI_BASE_URL, else "
            + "https://api.openai.com/v1.")
    String base_url() default "";

    /** @return the model name, empty for CUGA_MODEL */
    @AttributeDefinition(name = "Model", required = false,
        description = "The model's name as the provider knows it (gpt-4o-mini, llama3.1, ...). Empty: the "
            + "environment variable CUGA_MODEL. With neither, no model is registered.")
    String model() default "";

    /** @return the API key, empty for api.key.file or OPENAI_API_KEY */
    @AttributeDefinition(name = "API key", type = AttributeType.PASSWORD, required = false,
        description = "Sent as 'Authorization: Bearer <key>'. Empty: the file api.key.file, else the "
            + "environment variable OPENAI_API_KEY, else no Authorization header (Ollama, vLLM).")
    String api_key() default "";

    /** @return a file holding the API key */
    @AttributeDefinition(name = "API key file", required = false,
        description = "A file whose content (trimmed) is the API key, used when api.key is empty. A relative "
            + "path resolves against the data directory (cuga.data).")
    String api_key_file() default "";

    /** @return the HTTP timeout */
    @AttributeDefinition(name = "Timeout (ms)", min = "1",
        description = "Connect and read timeout of the HTTP client. Each call also ends at its request's own "
            + "deadline (ChatRequest.timeoutMillis), whichever comes first.")
    long timeout_millis() default 60_000;

    /** @return retries of a failed non-streamed call */
    @AttributeDefinition(name = "Maximum retries", min = "0", max = "10",
        description = "Retries of a failed call by the client itself, within the call's deadline. 0: the agents "
            + "retry with their own policy.")
    int max_retries() default 0;

    /** @return the OpenAI organization, empty for none */
    @AttributeDefinition(name = "Organization", required = false,
        description = "Sent as the OpenAI-Organization header when set.")
    String organization() default "";
}
