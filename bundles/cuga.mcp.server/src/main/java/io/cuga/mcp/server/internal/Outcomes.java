package io.cuga.mcp.server.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.decision.Decision;
import io.cuga.api.dispatch.CallOutcome;
import io.cuga.api.store.Approval;
import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.ToolDescriptor;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * Translations between cuga's dispatch contract and MCP: a tool descriptor becomes an MCP tool (input schema, the
 * risk tier as annotation hints and as {@code _meta}), a call outcome becomes an MCP tool result. Every ending that
 * is not a result is an MCP tool error ({@code isError: true}) whose text says what happened and whose structured
 * content carries the details; only an approval that is still pending is not an error (like the REST API's 202).
 */
final class Outcomes {

    /** {@code _meta} key of a tool: its risk tier. */
    static final String META_RISK = "io.cuga/risk";
    /** {@code _meta} key of a result: the call's id in the audit trail. */
    static final String META_CALL_ID = "io.cuga/callId";
    /** {@code _meta} key of a result: the approval the call waited or waits for. */
    static final String META_APPROVAL_ID = "io.cuga/approvalId";
    /** {@code _meta} key of a tools/call request: how many seconds to wait for an approval. */
    static final String META_APPROVAL_WAIT = "io.cuga/approvalWaitSeconds";

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Outcomes() {
    }

    /**
     * @param descriptor a tool as the registry describes it
     * @return the MCP tool
     */
    static McpSchema.Tool tool(ToolDescriptor descriptor) {
        Map<String, Object> schema;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> parsed = MAPPER.readValue(descriptor.inputSchema(), Map.class);
            schema = parsed;
        } catch (JsonProcessingException | RuntimeException e) {
            schema = Map.of("type", "object");
        }
        return McpSchema.Tool.builder().name(descriptor.name()).description(descriptor.description())
            .inputSchema(schema).annotations(annotations(descriptor.risk()))
            .meta(Map.of(META_RISK, descriptor.risk().name())).build();
    }

    /**
     * The risk tier as MCP hints: READ is read-only, DELETE and FINANCIAL are destructive, EXTERNAL and FINANCIAL
     * reach the open world; WRITE is neither read-only nor destructive.
     *
     * @param risk the tier
     * @return the annotations
     */
    static McpSchema.ToolAnnotations annotations(RiskTier risk) {
        boolean readOnly = risk == RiskTier.READ;
        boolean destructive = risk == RiskTier.DELETE || risk == RiskTier.FINANCIAL;
        boolean openWorld = risk == RiskTier.EXTERNAL || risk == RiskTier.FINANCIAL;
        return new McpSchema.ToolAnnotations(null, readOnly, readOnly ? null : destructive, null, openWorld, null);
    }

    /**
     * @param outcome how the call ended
     * @return the MCP result
     */
    static McpSchema.CallToolResult result(CallOutcome outcome) {
        Map<String, Object> meta = new LinkedHashMap<>();
        if (outcome.callId() != null) {
            meta.put(META_CALL_ID, outcome.callId());
        }
        if (outcome.details().get(CallOutcome.APPROVAL_ID) instanceof String approvalId) {
            meta.put(META_APPROVAL_ID, approvalId);
        }
        if (outcome.ok()) {
            return success(outcome.result(), meta);
        }
        Decision decision = outcome.decision();
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("status", outcome.status().name());
        error.put("code", code(outcome));
        error.put("message", outcome.message() == null ? "" : outcome.message());
        String text;
        switch (outcome.status()) {
            case APPROVAL_REQUIRED -> {
                Object id = outcome.details().get(CallOutcome.APPROVAL_ID);
                Object expires = outcome.details().get("expiresAt");
                error.put("approvalId", id);
                error.put("expiresAt", expires == null ? null : expires.toString());
                putDecision(error, decision);
                text = "Awaiting approval: the call to '" + outcome.tool() + "' waits for a human approver"
                    + " (approval " + id + ", expires " + expires + ")"
                    + (decision != null && !decision.reason().isEmpty() ? ": " + decision.reason() : "")
                    + ". It runs once approved; its outcome is at GET /api/v1/approvals/" + id + ".";
                return McpSchema.CallToolResult.builder().addTextContent(text).structuredContent(error)
                    .isError(false).meta(meta).build();
            }
            case DENIED -> {
                putDecision(error, decision);
                text = "Denied" + by(decision) + ": " + reason(outcome, decision);
            }
            case LIMITED -> {
                putDecision(error, decision);
                Object retry = outcome.details().get(Decision.RETRY_AFTER_SECONDS);
                if (retry == null && decision != null) {
                    retry = decision.details().get(Decision.RETRY_AFTER_SECONDS);
                }
                if (retry != null) {
                    error.put("retryAfterSeconds", retry);
                }
                text = "Limited" + by(decision) + ": " + reason(outcome, decision)
                    + (retry != null ? " (retry after " + retry + " s)" : "");
            }
            default -> {
                if (!outcome.details().isEmpty()) {
                    error.put("details", outcome.details());
                }
                text = "Tool call failed (" + outcome.status().name() + ", " + code(outcome) + "): "
                    + (outcome.message() == null ? "no message" : outcome.message());
            }
        }
        return McpSchema.CallToolResult.builder().addTextContent(text).structuredContent(error).isError(true)
            .meta(meta).build();
    }

    /**
     * The end of a call that waited for its approval, from the approval's recorded outcome.
     *
     * @param approval the decided approval, with its outcome
     * @return the MCP result
     */
    static McpSchema.CallToolResult approved(Approval approval) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put(META_CALL_ID, approval.callId());
        meta.put(META_APPROVAL_ID, approval.id());
        Map<String, Object> outcome = approval.outcome();
        if ("OK".equals(outcome.get("status"))) {
            return success(outcome.get("result"), meta);
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("status", String.valueOf(outcome.getOrDefault("status", "DENIED")));
        Object err = outcome.get("error");
        String message = err instanceof Map<?, ?> m && m.get("message") != null ? String.valueOf(m.get("message"))
            : approval.decisionReason();
        error.put("code", err instanceof Map<?, ?> m && m.get("code") != null ? String.valueOf(m.get("code"))
            : approval.status().name().toLowerCase(java.util.Locale.ROOT));
        error.put("message", message);
        error.put("approvalId", approval.id());
        error.put("approval", approval.status().name());
        error.put("decidedBy", approval.decidedBy());
        String text = switch (approval.status()) {
            case REJECTED -> "Denied: approval " + approval.id() + " was rejected by " + approval.decidedBy() + ": "
                + approval.decisionReason();
            case EXPIRED -> "Denied: approval " + approval.id() + " expired before anyone decided";
            default -> "Tool call failed after approval (" + error.get("status") + "): " + message;
        };
        return McpSchema.CallToolResult.builder().addTextContent(text).structuredContent(error).isError(true)
            .meta(meta).build();
    }

    /**
     * @param text what went wrong before the call could be dispatched
     * @param code a machine-readable code
     * @return an MCP tool error
     */
    static McpSchema.CallToolResult error(String code, String text) {
        return McpSchema.CallToolResult.builder().addTextContent(text)
            .structuredContent(Map.of("status", "UNAVAILABLE", "code", code, "message", text)).isError(true)
            .build();
    }

    private static McpSchema.CallToolResult success(Object result, Map<String, Object> meta) {
        McpSchema.CallToolResult.Builder builder = McpSchema.CallToolResult.builder()
            .content(List.of(new McpSchema.TextContent(json(result)))).isError(false).meta(meta);
        if (result instanceof Map<?, ?>) {
            builder.structuredContent(result);
        }
        return builder.build();
    }

    private static void putDecision(Map<String, Object> error, Decision decision) {
        if (decision != null) {
            error.put("guardrail", decision.guardrail());
            error.put("rule", decision.rule());
            error.put("reason", decision.reason());
        }
    }

    private static String by(Decision decision) {
        if (decision == null || decision.guardrail().isEmpty()) {
            return "";
        }
        return " by guardrail '" + decision.guardrail() + "'"
            + (decision.rule().isEmpty() ? "" : " (rule " + decision.rule() + ")");
    }

    private static String reason(CallOutcome outcome, Decision decision) {
        if (decision != null && !decision.reason().isEmpty()) {
            return decision.reason();
        }
        return outcome.message() == null ? outcome.status().name() : outcome.message();
    }

    private static String code(CallOutcome outcome) {
        return outcome.errorCode() != null ? outcome.errorCode()
            : outcome.status().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String json(Object value) {
        if (value instanceof String text) {
            return text;
        }
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return String.valueOf(value);
        }
    }
}
