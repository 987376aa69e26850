package io.cuga.exporter.otel.internal;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.event.Event;
import io.cuga.api.event.EventTypes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;

/**
 * Reads spans from the events the server publishes (no SDK state, no clock; its only state is a bounded cache
 * of the immutable attributes of guardrail decisions, so an event always gives the same spans). A
 * {@code tool.call.complete} or {@code tool.call.error} event becomes an {@code execute_tool {tool}} span with one
 * {@code apply_guardrail {guardrail}} child per guardrail decision; {@code execution.complete} and
 * {@code execution.error} become {@code invoke_agent {agent}} (the agents runtime gives each task's span id, and
 * the caller's span as its parent). A call of the model tool {@code model_chat} is a {@code chat {model}} span
 * instead, with {@code gen_ai.request.model} and the token usage the model reported. Every other event gives
 * nothing.
 *
 * <p>Attributes follow the OpenTelemetry GenAI semantic conventions where they define one; the conventions have
 * no guardrail attributes yet (proposals only), so guardrail facts are {@code cuga.guardrail.*}.
 */
final class SpanMapper {

    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
    static final AttributeKey<String> TOOL_CALL_ID = AttributeKey.stringKey("gen_ai.tool.call.id");
    static final AttributeKey<String> TOOL_TYPE = AttributeKey.stringKey("gen_ai.tool.type");
    static final AttributeKey<String> TOOL_ARGUMENTS = AttributeKey.stringKey("gen_ai.tool.call.arguments");
    static final AttributeKey<String> TOOL_RESULT = AttributeKey.stringKey("gen_ai.tool.call.result");
    static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
    static final AttributeKey<String> AGENT_ID = AttributeKey.stringKey("gen_ai.agent.id");
    static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("gen_ai.conversation.id");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> STATUS = AttributeKey.stringKey("cuga.call.status");
    static final AttributeKey<String> PROFILE = AttributeKey.stringKey("cuga.profile");
    static final AttributeKey<String> SESSION = AttributeKey.stringKey("cuga.session");
    static final AttributeKey<String> CALLER = AttributeKey.stringKey("cuga.caller");
    static final AttributeKey<String> RISK = AttributeKey.stringKey("cuga.tool.risk");
    static final AttributeKey<String> BUNDLE = AttributeKey.stringKey("cuga.tool.bundle");
    static final AttributeKey<String> BUNDLE_VERSION = AttributeKey.stringKey("cuga.tool.bundle.version");
    static final AttributeKey<String> VERDICT = AttributeKey.stringKey("cuga.decision.verdict");
    static final AttributeKey<String> DECIDED_BY = AttributeKey.stringKey("cuga.decision.guardrail");
    static final AttributeKey<String> DECISION_RULE = AttributeKey.stringKey("cuga.decision.rule");
    static final AttributeKey<String> GUARDRAIL_NAME = AttributeKey.stringKey("cuga.guardrail.name");
    static final AttributeKey<String> GUARDRAIL_VERDICT = AttributeKey.stringKey("cuga.guardrail.verdict");
    static final AttributeKey<String> GUARDRAIL_RULE = AttributeKey.stringKey("cuga.guardrail.rule");
    static final AttributeKey<String> GUARDRAIL_REASON = AttributeKey.stringKey("cuga.guardrail.reason");
    static final AttributeKey<String> TASK_ID = AttributeKey.stringKey("cuga.task.id");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    /** The tool a model call takes (bundle cuga.agents): its span is a {@code chat {model}} span. */
    static final String MODEL_CHAT = "model_chat";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Distinct guardrail decisions kept built; the cache starts over when it reaches this size. */
    static final int MAX_SHAPES = 1024;

    private final boolean captureContent;
    private final int maxContentLength;
    private final Map<DecisionKey, GuardrailShape> shapes = new ConcurrentHashMap<>();

    /**
     * @param captureContent whether arguments and results go on spans
     * @param maxContentLength characters of each kept
     */
    SpanMapper(boolean captureContent, int maxContentLength) {
        this.captureContent = captureContent;
        this.maxContentLength = maxContentLength;
    }

    /** @return the span the event stands for (with its children), or null when it stands for none */
    SpanSpec map(Event event) {
        switch (event.type()) {
            case EventTypes.TOOL_CALL_COMPLETE:
            case EventTypes.TOOL_CALL_ERROR:
                return toolCall(event);
            case EventTypes.EXECUTION_COMPLETE:
            case EventTypes.EXECUTION_ERROR:
                return agentTask(event);
            default:
                return null;
        }
    }

    private SpanSpec toolCall(Event event) {
        Map<String, Object> a = event.attributes();
        String callId = text(a.get("callId"));
        if (callId.isEmpty()) {
            return null;
        }
        String tool = text(a.get("tool"));
        String traceId = SpanIds.isTraceId(event.traceId()) ? event.traceId()
            : SpanIds.isTraceId(callId) ? callId : SpanIds.hash(callId) + SpanIds.hash(callId + "/trace");
        String spanId = SpanIds.ofCall(callId);
        long start = start(event, a);
        long end = start + Math.max(0, event.durationNanos());
        boolean error = EventTypes.TOOL_CALL_ERROR.equals(event.type());

        boolean chat = MODEL_CHAT.equals(tool);
        String model = text(a.get("model"));
        AttributesBuilder attributes = Attributes.builder()
            .put(OPERATION, chat ? "chat" : "execute_tool")
            .put(TOOL_NAME, tool)
            .put(TOOL_CALL_ID, callId)
            .put(TOOL_TYPE, "function");
        if (chat) {
            put(attributes, REQUEST_MODEL, model);
            put(attributes, RESPONSE_MODEL, model);
            if (a.get("inputTokens") instanceof Number n) {
                attributes.put(INPUT_TOKENS, n.longValue());
            }
            if (a.get("outputTokens") instanceof Number n) {
                attributes.put(OUTPUT_TOKENS, n.longValue());
            }
        }
        put(attributes, STATUS, event.status());
        put(attributes, PROFILE, event.profile());
        put(attributes, SESSION, event.session());
        put(attributes, CALLER, text(a.get("caller")));
        put(attributes, RISK, text(a.get("risk")));
        put(attributes, BUNDLE, text(a.get("bundle")));
        put(attributes, BUNDLE_VERSION, text(a.get("bundleVersion")));
        put(attributes, VERDICT, text(a.get("verdict")));
        put(attributes, DECIDED_BY, text(a.get("guardrail")));
        put(attributes, DECISION_RULE, text(a.get("rule")));
        String errorType = "";
        if (error) {
            errorType = first(text(a.get("error")), event.status(), "error");
            attributes.put(ERROR_TYPE, errorType);
        }
        if (captureContent) {
            if (a.containsKey("arguments")) {
                attributes.put(TOOL_ARGUMENTS, json(a.get("arguments")));
            }
            if (a.containsKey("result")) {
                attributes.put(TOOL_RESULT, json(a.get("result")));
            }
        }

        List<SpanSpec> children = new ArrayList<>();
        if (a.get("guardrails") instanceof List<?> guardrails) {
            for (Object g : guardrails) {
                if (g instanceof Map<?, ?> decision) {
                    SpanSpec child = guardrail(traceId, spanId, callId, start, end, decision);
                    if (child != null) {
                        children.add(child);
                    }
                }
            }
        }
        String parent = SpanIds.isSpanId(a.get("parentSpanId")) ? (String) a.get("parentSpanId") : null;
        String name = chat ? (model.isEmpty() ? "chat" : "chat " + model) : "execute_tool " + tool;
        return new SpanSpec(name, traceId, spanId, parent, start, end, attributes.build(), error,
            errorType, List.copyOf(children), null, parentSampled(parent, a));
    }

    private SpanSpec guardrail(String traceId, String parentId, String callId, long callStart, long callEnd,
        Map<?, ?> decision) {
        String name = text(decision.get("guardrail"));
        if (name.isEmpty()) {
            return null;
        }
        long start = callStart + Math.max(0, number(decision.get("offsetNanos")));
        long end = Math.min(Math.max(start, start + Math.max(0, number(decision.get("durationNanos")))),
            Math.max(callEnd, start));
        GuardrailShape shape = shape(name, text(decision.get("verdict")), text(decision.get("rule")),
            text(decision.get("reason")));
        return new SpanSpec(shape.spanName, traceId, SpanIds.ofGuardrail(callId, name), parentId, start, end,
            shape.attributes, shape.deny, shape.statusMessage, List.of(), shape.encoded);
    }

    /**
     * The name, attributes and status of an {@code apply_guardrail} span, which depend on the decision only: a
     * call's guardrails decide alike call after call, so each distinct decision is built (its attributes sorted,
     * and the three written in OTLP protobuf) once and shared, instead of once per guardrail per call.
     */
    private GuardrailShape shape(String name, String rawVerdict, String rule, String reason) {
        DecisionKey key = new DecisionKey(name, rawVerdict, rule, reason);
        GuardrailShape shape = shapes.get(key);
        if (shape != null) {
            return shape;
        }
        String verdict = rawVerdict.toLowerCase(Locale.ROOT);
        AttributesBuilder attributes = Attributes.builder()
            .put(OPERATION, "apply_guardrail")
            .put(GUARDRAIL_NAME, name)
            .put(GUARDRAIL_VERDICT, verdict);
        put(attributes, GUARDRAIL_RULE, rule);
        boolean deny = verdict.equals("deny");
        if (!verdict.equals("allow")) {
            put(attributes, GUARDRAIL_REASON, reason);
        }
        if (deny) {
            attributes.put(ERROR_TYPE, rule.isEmpty() ? "denied" : rule);
        }
        String spanName = "apply_guardrail " + name;
        Attributes built = attributes.build();
        String status = deny ? reason : "";
        shape = new GuardrailShape(spanName, built, deny, status, OtlpProto.sharedPart(spanName, built, deny, status));
        if (shapes.size() >= MAX_SHAPES) {
            shapes.clear(); // reasons that differ call by call must not grow it without bound
        }
        shapes.put(key, shape);
        return shape;
    }

    private record DecisionKey(String name, String verdict, String rule, String reason) {
    }

    private record GuardrailShape(String spanName, Attributes attributes, boolean deny, String statusMessage,
        byte[] encoded) {
    }

    private SpanSpec agentTask(Event event) {
        Map<String, Object> a = event.attributes();
        String taskId = text(a.get("taskId"));
        String spanId = SpanIds.isSpanId(a.get("spanId")) ? (String) a.get("spanId")
            : taskId.isEmpty() ? null : SpanIds.ofTask(taskId);
        if (spanId == null || !SpanIds.isTraceId(event.traceId())) {
            return null;
        }
        String agent = first(text(a.get("agent")), "agent");
        long start = start(event, a);
        long end = start + Math.max(0, event.durationNanos());
        boolean error = EventTypes.EXECUTION_ERROR.equals(event.type());
        AttributesBuilder attributes = Attributes.builder()
            .put(OPERATION, "invoke_agent")
            .put(AGENT_NAME, agent);
        put(attributes, AGENT_ID, text(a.get("agentId")));
        put(attributes, TASK_ID, taskId);
        put(attributes, CONVERSATION_ID, event.session());
        put(attributes, STATUS, event.status());
        put(attributes, PROFILE, event.profile());
        put(attributes, CALLER, text(a.get("caller")));
        String errorType = "";
        if (error) {
            errorType = first(text(a.get("error")), event.status(), "error");
            attributes.put(ERROR_TYPE, errorType);
        }
        String parent = SpanIds.isSpanId(a.get("parentSpanId")) ? (String) a.get("parentSpanId") : null;
        return new SpanSpec("invoke_agent " + agent, event.traceId(), spanId, parent, start, end, attributes.build(),
            error, errorType, List.of(), null, parentSampled(parent, a));
    }

    /** Whether a span's parent is sampled: yes without a parent, else unless the event says the caller's is not. */
    private static boolean parentSampled(String parent, Map<String, Object> a) {
        return parent == null || !Boolean.FALSE.equals(a.get("sampled"));
    }

    /** The start of what an event reports: its {@code startedAt} attribute, else its time less its duration. */
    private static long start(Event event, Map<String, Object> a) {
        Object startedAt = a.get("startedAt");
        if (startedAt instanceof String s && !s.isEmpty()) {
            long fast = epochNanos(s);
            if (fast != Long.MIN_VALUE) {
                return fast;
            }
            try {
                return nanos(Instant.parse(s));
            } catch (DateTimeParseException e) {
                // falls through to the event's time
            }
        }
        return nanos(event.time()) - Math.max(0, event.durationNanos());
    }

    /**
     * Reads the shape {@link Instant#toString()} prints for years 1970 to 9999, {@code 2026-11-27T10:15:30Z} with
     * an optional fraction of 1 to 9 digits, without the general parser (which costs microseconds per call).
     *
     * @return epoch nanoseconds, or {@link Long#MIN_VALUE} when the text has another shape (then
     *     {@link Instant#parse} decides)
     */
    static long epochNanos(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-'
            || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return Long.MIN_VALUE;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 28 && day > lengthOfMonth(year, month)
            || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return Long.MIN_VALUE;
        }
        long fraction = 0;
        if (n > 20) {
            int digits = n - 21;
            if (s.charAt(19) != '.' || digits < 1 || digits > 9) {
                return Long.MIN_VALUE;
            }
            int value = digits(s, 20, digits);
            if (value < 0) {
                return Long.MIN_VALUE;
            }
            fraction = value;
            for (int i = digits; i < 9; i++) {
                fraction *= 10;
            }
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return ((days * 24 + hour) * 60 + minute) * 60_000_000_000L + second * 1_000_000_000L + fraction;
    }

    /** @return the number the digits at {@code from} spell, or -1 when one of them is not a digit */
    private static int digits(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static int lengthOfMonth(int year, int month) {
        return java.time.YearMonth.of(year, month).lengthOfMonth();
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private String json(Object value) {
        String text;
        try {
            text = JSON.writeValueAsString(value);
        } catch (JsonProcessingException | RuntimeException e) {
            text = String.valueOf(value);
        }
        return text.length() <= maxContentLength ? text : text.substring(0, maxContentLength) + "…";
    }

    private static void put(AttributesBuilder builder, AttributeKey<String> key, String value) {
        if (value != null && !value.isEmpty()) {
            builder.put(key, value);
        }
    }

    private static String text(Object value) {
        return value == null ? "" : value instanceof String s ? s : String.valueOf(value);
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return "";
    }
}
