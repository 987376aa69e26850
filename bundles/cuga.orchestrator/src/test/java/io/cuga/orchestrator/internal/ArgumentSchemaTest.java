package io.cuga.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ArgumentSchemaTest {

    private static final String CALC = "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\","
        + "\"maxLength\":10}},\"required\":[\"expression\"]}";

    @Test
    void validArgumentsPass() {
        assertThat(ArgumentSchema.compile(CALC).validate(Map.of("expression", "1+2"))).isEmpty();
    }

    @Test
    void unknownArgumentsAreRejectedUnlessTheSchemaAllowsThem() {
        List<Map<String, Object>> v = ArgumentSchema.compile(CALC).validate(Map.of("expression", "1", "extra", 2));
        assertThat(v).hasSize(1);
        assertThat(v.get(0)).containsEntry("field", "extra").containsEntry("keyword", "additionalProperties");

        String open = CALC.replace("\"required\"", "\"additionalProperties\":true,\"required\"");
        assertThat(ArgumentSchema.compile(open).validate(Map.of("expression", "1", "extra", 2))).isEmpty();
    }

    @Test
    void violationsNameTheField() {
        ArgumentSchema schema = ArgumentSchema.compile(CALC);
        assertThat(schema.validate(Map.of()).get(0)).containsEntry("field", "expression")
            .containsEntry("keyword", "required");
        assertThat(schema.validate(Map.of("expression", 5)).get(0)).containsEntry("field", "expression")
            .containsEntry("keyword", "type");
        assertThat(schema.validate(Map.of("expression", "12345678901")).get(0))
            .containsEntry("path", "/expression").containsEntry("keyword", "maxLength");
    }

    @Test
    void nestedPathsArePointers() {
        ArgumentSchema schema = ArgumentSchema.compile("{\"properties\":{\"headers\":{\"type\":\"object\","
            + "\"additionalProperties\":{\"type\":\"string\"}}}}");
        List<Map<String, Object>> v = schema.validate(Map.of("headers", Map.of("a/b", 1)));
        assertThat(v.get(0)).containsEntry("path", "/headers/a~1b");
    }

    @Test
    void aToolWithoutSchemaTakesNoArguments() {
        ArgumentSchema none = ArgumentSchema.compile("");
        assertThat(none.validate(Map.of())).isEmpty();
        assertThat(none.validate(Map.of("x", 1))).isNotEmpty();
        assertThat(none.text()).contains("\"additionalProperties\":false");
    }

    @Test
    void brokenSchemasAreRefusedWithAReason() {
        assertThatThrownBy(() -> ArgumentSchema.compile("{not json")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> ArgumentSchema.compile("[1]")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> ArgumentSchema.compile("{\"type\":\"array\"}"))
            .hasMessageContaining("\"object\"");
    }

    @Test
    void remoteReferencesAreNeverFetched() {
        // a $ref to a remote document must fail to compile or validate, never reach the network
        ArgumentSchema schema;
        try {
            schema = ArgumentSchema.compile("{\"properties\":{\"a\":{\"$ref\":\"http://127.0.0.1:9/x.json\"}}}");
        } catch (IllegalArgumentException refused) {
            return;
        }
        ArgumentSchema compiled = schema;
        assertThatThrownBy(() -> compiled.validate(Map.of("a", 1))).isInstanceOf(RuntimeException.class);
    }
}
