package io.cuga.tool.calculator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolException;

/** The tool as the orchestrator sees it: its descriptor, its schema, and the JSON it returns. */
class CalculatorToolTest {

    private final CalculatorTool tool = new CalculatorTool();
    private final ObjectMapper json = new ObjectMapper();

    private Object invoke(Object expression) throws Exception {
        Map<String, Object> args = new HashMap<>();
        args.put("expression", expression);
        return tool.invoke(new TestCall(Map.copyOf(args)));
    }

    @Test
    void returnsTheExpressionAndItsValueAsJson() throws Exception {
        Object result = invoke("2*(3+4)");
        assertThat(result).isEqualTo(Map.of("expression", "2*(3+4)", "value", 14L));
        assertThat(json.writeValueAsString(result)).isEqualTo("{\"expression\":\"2*(3+4)\",\"value\":14}");
    }

    @Test
    void valuesBecomeJsonNumbersBooleansAndArrays() throws Exception {
        assertThat(jsonValue("2 ** 70")).isEqualTo("1180591620717411303424");
        assertThat(jsonValue("7 / 2")).isEqualTo("3.5");
        assertThat(jsonValue("0.1 + 0.2")).isEqualTo("0.30000000000000004");
        assertThat(jsonValue("1e300 * 10")).isEqualTo("1.0E301");
        assertThat(jsonValue("3 > 2")).isEqualTo("true");
        assertThat(jsonValue("[1, 2.5, [1 < 0]]")).isEqualTo("[1,2.5,[false]]");
        // every value parses back to the same JSON number a client would read
        assertThat(json.readTree(jsonValue("2 ** 70")).bigIntegerValue()).isEqualTo(java.math.BigInteger.TWO.pow(70));
    }

    private String jsonValue(String expression) throws Exception {
        return json.writeValueAsString(((Map<?, ?>) invoke(expression)).get("value"));
    }

    @Test
    void errorsAreToolExceptionsWithACode() {
        ToolException e = catchThrowableOfType(ToolException.class, () -> invoke("1 / 0"));
        assertThat(e.code()).isEqualTo("division_by_zero");
        assertThat(e.getMessage()).isEqualTo("division by zero is undefined (at position 3)");
    }

    @Test
    void aMissingOrNonStringExpressionIsRefused() {
        assertThat(catchThrowableOfType(ToolException.class, () -> invoke(42)).code()).isEqualTo("invalid_arguments");
        assertThat(catchThrowableOfType(ToolException.class, () -> tool.invoke(new TestCall(Map.of()))).getMessage())
            .isEqualTo("the argument 'expression' must be a string such as \"2 * (3 + 4)\"");
    }

    @Test
    void theComponentDescriptorNamesTheToolItsRiskAndItsSchema() throws Exception {
        // bnd writes the descriptor at process-classes, before the tests run
        Path xml = Path.of("target/classes/OSGI-INF/" + CalculatorTool.class.getName() + ".xml");
        assertThat(xml).exists();
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        Map<String, String> props = new LinkedHashMap<>();
        NodeList list = doc.getElementsByTagName("property");
        for (int k = 0; k < list.getLength(); k++) {
            Element p = (Element) list.item(k);
            props.put(p.getAttribute("name"), p.getAttribute("value"));
        }
        assertThat(props).containsEntry(Tool.NAME, "calculator")
            .containsEntry(Tool.RISK, "READ")
            .containsEntry(Tool.SCHEMA, "/schemas/calculator.json");
        assertThat(props.get(Tool.DESCRIPTION)).startsWith("Evaluates an arithmetic expression");
        assertThat(Tool.NAME_PATTERN.matcher(props.get(Tool.NAME)).matches()).isTrue();
        Element provide = (Element) doc.getElementsByTagName("provide").item(0);
        assertThat(provide.getAttribute("interface")).isEqualTo(Tool.class.getName());
        assertThat(CalculatorTool.class.getResource(props.get(Tool.SCHEMA))).isNotNull();
    }

    @Test
    void theSchemaAcceptsAnExpressionAndNothingElse() throws Exception {
        Schema schema;
        try (InputStream in = CalculatorTool.class.getResourceAsStream("/schemas/calculator.json")) {
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        }
        assertThat(schema.validate("{\"expression\": \"2*(3+4)\"}", InputFormat.JSON)).isEmpty();
        String longest = "1".repeat(Calculator.MAX_LENGTH);
        assertThat(schema.validate(json.writeValueAsString(Map.of("expression", longest)), InputFormat.JSON)).isEmpty();
        assertThat(schema.validate(json.writeValueAsString(Map.of("expression", longest + "1")), InputFormat.JSON))
            .isNotEmpty();
        assertThat(schema.validate("{}", InputFormat.JSON)).isNotEmpty();
        assertThat(schema.validate("{\"expression\": 5}", InputFormat.JSON)).isNotEmpty();
        assertThat(schema.validate("{\"expression\": \"\"}", InputFormat.JSON)).isNotEmpty();
        assertThat(schema.validate("{\"expression\": \"1\", \"x\": 1}", InputFormat.JSON)).isNotEmpty();
        Map<?, ?> doc = json.readValue(Files.readString(Path.of("src/main/resources/schemas/calculator.json")), Map.class);
        assertThat(doc.get("$schema")).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(doc.get("required")).isEqualTo(List.of("expression"));
    }
}
