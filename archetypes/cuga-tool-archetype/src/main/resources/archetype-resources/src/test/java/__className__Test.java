package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;

/** The tool's logic as plain Java: no framework, no server. */
class ${className}Test {

    @Test
    void greetsWithTheConfiguredGreeting() throws Exception {
        Object result = new ${className}("Hi").invoke(call(Map.of("name", " Ada ")));

        assertEquals(Map.of("message", "Hi, Ada!"), result);
    }

    @Test
    void aBlankNameIsTheCallersError() {
        ToolException e = assertThrows(ToolException.class,
            () -> new ${className}("Hello").invoke(call(Map.of("name", "   "))));

        assertEquals("blank_name", e.code());
    }

    @Test
    void theSchemaNamedByToolServiceIsInTheBundle() throws IOException {
        try (InputStream in = ${className}.class.getResourceAsStream("/schemas/${toolName}.json")) {
            assertNotNull(in, "src/main/resources/schemas/${toolName}.json");
            String schema = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(true, schema.contains("\"required\": [\"name\"]"), schema);
        }
    }

    /** A call as the orchestrator hands it over, with arguments that passed the schema. */
    private static ToolCall call(Map<String, Object> arguments) {
        return new ToolCall() {
            @Override
            public String tool() {
                return "${toolName}";
            }

            @Override
            public Map<String, Object> arguments() {
                return arguments;
            }

            @Override
            public String callId() {
                return "test-call";
            }

            @Override
            public String traceId() {
                return "0123456789abcdef0123456789abcdef";
            }

            @Override
            public String profile() {
                return "default";
            }

            @Override
            public String session() {
                return "";
            }

            @Override
            public String caller() {
                return "test";
            }

            @Override
            public Instant deadline() {
                return Instant.now().plusSeconds(30);
            }

            @Override
            public boolean cancelled() {
                return false;
            }
        };
    }
}
