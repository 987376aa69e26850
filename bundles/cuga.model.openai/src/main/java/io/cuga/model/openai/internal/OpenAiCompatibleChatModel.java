package io.cuga.model.openai.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatResponseMetadata;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.cuga.api.model.ChatModel;
import io.cuga.api.model.ChatRequest;
import io.cuga.api.model.ChatResponse;
import io.cuga.api.model.ModelException;

/**
 * {@link ChatModel} over the OpenAI chat-completions protocol, on LangChain4j's OpenAI module with the JDK HTTP
 * client built explicitly (no ServiceLoader discovery, which finds nothing inside OSGi). Every call is bounded by
 * its request's deadline; the HTTP client's timeout bounds the threads behind it. Thread-safe.
 */
final class OpenAiCompatibleChatModel implements ChatModel, AutoCloseable {

    private final Settings settings;
    private final OpenAiChatModel chat;
    private final OpenAiStreamingChatModel streaming;
    private final Failures failures;
    private final ExecutorService calls;

    /** @param settings resolved settings with a model name */
    OpenAiCompatibleChatModel(Settings settings) {
        this.settings = settings;
        this.failures = new Failures(settings.apiKey(), settings.baseUrl());
        String key = settings.apiKey().isEmpty() ? null : settings.apiKey();
        String organization = settings.organization().isEmpty() ? null : settings.organization();
        this.chat = OpenAiChatModel.builder()
            .httpClientBuilder(JdkHttpClient.builder())
            .baseUrl(settings.baseUrl())
            .apiKey(key)
            .organizationId(organization)
            .modelName(settings.model())
            .timeout(settings.timeout())
            .maxRetries(settings.maxRetries())
            .logRequests(false)
            .logResponses(false)
            .build();
        this.streaming = OpenAiStreamingChatModel.builder()
            .httpClientBuilder(JdkHttpClient.builder())
            .baseUrl(settings.baseUrl())
            .apiKey(key)
            .organizationId(organization)
            .modelName(settings.model())
            .timeout(settings.timeout())
            .logRequests(false)
            .logResponses(false)
            .build();
        AtomicInteger threads = new AtomicInteger();
        // blocking calls run here so the caller can stop waiting at its deadline
        ThreadPoolExecutor pool = new ThreadPoolExecutor(64, 64, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(1024), r -> {
                Thread t = new Thread(r, "cuga-model-openai-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        pool.allowCoreThreadTimeOut(true);
        this.calls = pool;
    }

    /** @return the configured model name */
    String model() {
        return settings.model();
    }

    @Override
    public ChatResponse chat(ChatRequest request) throws ModelException {
        dev.langchain4j.model.chat.request.ChatRequest l4j = Conversion.toRequest(request, settings.model());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(request.timeoutMillis());
        Future<dev.langchain4j.model.chat.response.ChatResponse> call;
        try {
            call = calls.submit(() -> chat.chat(l4j));
        } catch (RejectedExecutionException e) {
            throw new ModelException(ModelException.Kind.UNAVAILABLE, "too many model calls at once", null);
        }
        dev.langchain4j.model.chat.response.ChatResponse response;
        try {
            response = call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw failures.deadline(request.timeoutMillis());
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new ModelException(ModelException.Kind.TIMEOUT, "interrupted while waiting for the model", null);
        } catch (ExecutionException e) {
            throw failures.classify(e.getCause());
        }
        String raw = null;
        if (response.metadata() instanceof OpenAiChatResponseMetadata meta && meta.rawHttpResponse() != null) {
            SuccessfulHttpResponse http = meta.rawHttpResponse();
            raw = http.body();
        }
        if (raw != null && !Conversion.hasChoices(raw)) {
            throw failures.badResponse("no choices");
        }
        return Conversion.fromResponse(response, Conversion.rawFinishReason(raw), failures);
    }

    @Override
    public ChatResponse stream(ChatRequest request, Consumer<String> partialText) throws ModelException {
        dev.langchain4j.model.chat.request.ChatRequest l4j = Conversion.toRequest(request, settings.model());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(request.timeoutMillis());
        CompletableFuture<dev.langchain4j.model.chat.response.ChatResponse> done = new CompletableFuture<>();
        AtomicBoolean over = new AtomicBoolean();
        AtomicReference<StreamingHandle> handle = new AtomicReference<>();
        AtomicReference<RuntimeException> consumerFailure = new AtomicReference<>();
        StreamingChatResponseHandler handler = new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                handle.compareAndSet(null, context.streamingHandle());
                if (over.get()) {
                    context.streamingHandle().cancel();
                    return;
                }
                try {
                    partialText.accept(partial.text());
                } catch (RuntimeException e) {
                    consumerFailure.compareAndSet(null, e);
                    over.set(true);
                    context.streamingHandle().cancel();
                    done.completeExceptionally(e);
                }
            }

            @Override
            public void onCompleteResponse(dev.langchain4j.model.chat.response.ChatResponse complete) {
                done.complete(complete);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        };
        try {
            streaming.chat(l4j, handler);
        } catch (RuntimeException e) {
            throw failures.classify(e);
        }
        dev.langchain4j.model.chat.response.ChatResponse response;
        try {
            response = done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            stop(over, handle);
            throw failures.deadline(request.timeoutMillis());
        } catch (InterruptedException e) {
            stop(over, handle);
            Thread.currentThread().interrupt();
            throw new ModelException(ModelException.Kind.TIMEOUT, "interrupted while waiting for the model", null);
        } catch (ExecutionException e) {
            stop(over, handle);
            if (consumerFailure.get() != null) {
                throw consumerFailure.get();
            }
            throw failures.classify(e.getCause());
        }
        over.set(true);
        String finish = null;
        List<ServerSentEvent> events = response.metadata() instanceof OpenAiChatResponseMetadata meta
            && meta.rawServerSentEvents() != null ? meta.rawServerSentEvents() : List.of();
        for (int i = events.size() - 1; i >= 0 && finish == null; i--) {
            finish = Conversion.rawFinishReason(events.get(i).data());
        }
        if (events.isEmpty()) {
            throw failures.badResponse("no server-sent events");
        }
        if (finish == null && response.finishReason() == null) {
            // the stream closed without the model's last chunk: the answer may be cut anywhere
            throw new ModelException(ModelException.Kind.UNAVAILABLE,
                "the model's stream ended before the answer was finished", null);
        }
        return Conversion.fromResponse(response, finish, failures);
    }

    private static void stop(AtomicBoolean over, AtomicReference<StreamingHandle> handle) {
        over.set(true);
        StreamingHandle h = handle.get();
        if (h != null) {
            h.cancel();
        }
    }

    @Override
    public void close() {
        calls.shutdownNow();
    }

    @Override
    public String toString() {
        return "OpenAiCompatibleChatModel[" + settings + "]";
    }
}
