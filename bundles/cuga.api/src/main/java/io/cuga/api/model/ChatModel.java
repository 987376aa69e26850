package io.cuga.api.model;

import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A chat model with native tool calling. Registered as a service with {@link #PROVIDER} and {@link #MODEL}.
 * Implementations are thread-safe, bound every call by {@link ChatRequest#timeoutMillis()}, never log keys,
 * and turn every failure (HTTP error, timeout, malformed response) into a {@link ModelException}.
 */
@ProviderType
public interface ChatModel {

    /** Service property: the provider kind, such as {@code openai}. */
    String PROVIDER = "cuga.model.provider";

    /** Service property: the model's name as the provider knows it, such as {@code gpt-4o-mini}. */
    String MODEL = "cuga.model.name";

    /**
     * @param request the conversation and the tools the model may call
     * @return the model's answer: text, tool calls or both, with the token usage it reported
     * @throws ModelException when the model could not answer usably
     */
    ChatResponse chat(ChatRequest request) throws ModelException;

    /**
     * Like {@link #chat} but streamed: {@code partialText} receives the text as it arrives; the returned response
     * is the whole answer (text, tool calls, usage), the same as {@link #chat} would have given.
     *
     * @param request the conversation and tools
     * @param partialText receives text fragments in order, on the calling thread or the client's
     * @return the complete answer
     * @throws ModelException when the model could not answer usably
     */
    ChatResponse stream(ChatRequest request, Consumer<String> partialText) throws ModelException;
}
