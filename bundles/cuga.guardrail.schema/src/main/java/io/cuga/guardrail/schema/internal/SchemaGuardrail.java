package io.cuga.guardrail.schema.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.cuga.api.guardrail.PolicySection;
import io.cuga.api.guardrail.GuardrailService;
import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;
import io.cuga.api.tool.Tool;

/**
 * The {@code schema} guardrail: per tool, either the tool's own schema (the string {@code "tool"}, the default,
 * already enforced by the dispatcher) or a policy schema that a call's arguments must also pass.
 *
 * <p>A public no-arg constructor, so {@code cuga policy check} finds it with {@link java.util.ServiceLoader}
 * outside OSGi.
 */
@Component(service = Guardrail.class)
@GuardrailService(type = SchemaGuardrail.TYPE, order = 200)
public final class SchemaGuardrail implements Guardrail {

    /** The guardrail type and section key. */
    public static final String TYPE = "schema";

    /** The value that keeps a tool's own schema. */
    static final String TOOL = "tool";

    /** Creates the guardrail; it has no state of its own. */
    public SchemaGuardrail() {
    }

    @Override
    public Rules compile(Map<String, Object> section, String profile) throws PolicyException {
        PolicySection root = PolicySection.root(section).only("tools");
        PolicySection tools = root.object("tools");
        Map<String, PolicySchema> schemas = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : tools.entries().entrySet()) {
            String name = e.getKey();
            String at = tools.path(name);
            if (!Tool.NAME_PATTERN.matcher(name).matches()) {
                throw new PolicyException(at, "'" + name + "' is not a tool name (letters, digits, _ and -, 1 to 64)");
            }
            Object value = e.getValue();
            if (TOOL.equals(value)) {
                continue;
            }
            if (!(value instanceof Map)) {
                throw new PolicyException(at, "a tool's schema must be a JSON Schema object or the string \"tool\", not "
                    + (value instanceof String ? "'" + value + "'" : PolicySection.describe(value)));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> schema = (Map<String, Object>) value;
            schemas.put(name, PolicySchema.compile(schema, at));
        }
        return new SchemaRules(schemas);
    }
}
