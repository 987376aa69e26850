package io.cuga.orchestrator.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "cuga dispatcher",
    description = "How tool calls run: deadlines, the bounded pool, per-tool bulkheads and result bounds.")
@interface DispatcherConfig {

    String PID = "cuga.dispatcher";

    @AttributeDefinition(name = "Default timeout (ms)",
        description = "Deadline of a tool call when the tool declares none.", min = "1")
    long default_timeout_millis() default 30_000L;

    @AttributeDefinition(name = "Guardrail chain timeout (ms)",
        description = "Deadline of the whole guardrail chain of a call; a guardrail that does not answer in time "
            + "denies the call (fail closed).", min = "1")
    long guardrail_timeout_millis() default 2_000L;

    @AttributeDefinition(name = "Pool threads", description = "Threads that run tool calls.", min = "1")
    int pool_threads() default 128;

    @AttributeDefinition(name = "Queue size",
        description = "Calls waiting for a pool thread before new calls are refused as overloaded.", min = "0")
    int queue_size() default 512;

    @AttributeDefinition(name = "Per-tool concurrency",
        description = "Calls one tool may run at once (its bulkhead), so a slow or hanging tool cannot take "
            + "every thread.", min = "1")
    int tool_concurrency() default 48;

    @AttributeDefinition(name = "Result size limit",
        description = "Most JSON values (objects, arrays, scalars) a tool result may hold.", min = "1")
    int max_result_values() default 100_000;

    @AttributeDefinition(name = "Call content in events",
        description = "Put each call's arguments and result, as the profile's redaction rules show them, into its "
            + "tool.call.complete and tool.call.error events (attributes arguments and result), for exporters that "
            + "record content (cuga.exporter.otel with capture.content). Every exporter then receives them; off, "
            + "events carry no call content.")
    boolean events_include_content() default false;
}
