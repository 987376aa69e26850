package io.cuga.tool.openapi.internal;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/** Compiles a tool schema as the orchestrator does (JSON Schema 2020-12, nothing fetched) and validates with it. */
final class Schemas {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
        SpecificationVersion.DRAFT_2020_12, b -> b.schemaLoader(l -> l.fetchRemoteResources(false)));

    private Schemas() {
    }

    /** @return the violations of the arguments under the schema, empty when they are valid */
    static List<String> violations(String schema, Map<String, Object> arguments) throws Exception {
        Schema compiled = REGISTRY.getSchema(MAPPER.readTree(schema));
        List<Error> errors = compiled.validate(MAPPER.valueToTree(arguments));
        return errors.stream().map(Error::toString).toList();
    }
}
