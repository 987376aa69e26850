package io.cuga.tool.openapi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.tool.RiskTier;

/** The schemas, names and tiers an import produces, from the public Petstore 3 document and small made ones. */
class SpecImporterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static String resource(String name) throws IOException {
        try (InputStream in = SpecImporterTest.class.getResourceAsStream("/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static SpecImporter.Result all(String text) throws Exception {
        return SpecImporter.read(text, "svc", (id, name) -> true, (id, name) -> null);
    }

    private static Map<String, Operation> byName(SpecImporter.Result result) {
        return result.operations().stream().collect(Collectors.toMap(Operation::toolName, Function.identity()));
    }

    @Test
    void petstoreImportsEveryOperationWithItsTierAndSchema() throws Exception {
        SpecImporter.Result result = SpecImporter.read(resource("petstore3.yaml"), "petstore", (id, name) -> true,
            (id, name) -> null);
        Map<String, Operation> ops = byName(result);
        assertThat(ops).hasSize(19).containsKeys("petstore_addPet", "petstore_getPetById", "petstore_deletePet",
            "petstore_findPetsByStatus", "petstore_getInventory", "petstore_createUsersWithListInput",
            "petstore_uploadFile", "petstore_loginUser");
        assertThat(result.serverUrl()).isEqualTo("/api/v3");
        // the octet-stream body of uploadFile is optional and not JSON: the tool exists without it, and says so
        assertThat(result.problems()).singleElement().matches(p -> p.contains("uploadFile") && p.contains("application/octet-stream")
            && p.contains("not offered"));

        assertThat(ops.get("petstore_getPetById").risk()).isEqualTo(RiskTier.READ);
        assertThat(ops.get("petstore_addPet").risk()).isEqualTo(RiskTier.WRITE);
        assertThat(ops.get("petstore_updatePet").risk()).isEqualTo(RiskTier.WRITE);
        assertThat(ops.get("petstore_deletePet").risk()).isEqualTo(RiskTier.DELETE);
        assertThat(ops.get("petstore_getPetById").description()).isEqualTo("Find pet by ID. Returns a single pet");

        JsonNode get = JSON.readTree(ops.get("petstore_getPetById").schema());
        assertThat(get.at("/properties/petId/type").asText()).isEqualTo("integer");
        assertThat(get.at("/properties/petId/description").asText()).isEqualTo("ID of pet to return");
        assertThat(get.at("/required").toString()).isEqualTo("[\"petId\"]");
        assertThat(get.at("/additionalProperties").asBoolean(true)).isFalse();

        JsonNode add = JSON.readTree(ops.get("petstore_addPet").schema());
        assertThat(add.at("/properties/body/$ref").asText()).isEqualTo("#/$defs/Pet");
        assertThat(add.at("/required").toString()).isEqualTo("[\"body\"]");
        assertThat(add.at("/$defs").fieldNames()).toIterable().containsExactlyInAnyOrder("Pet", "Category", "Tag");
        assertThat(add.at("/$defs/Pet/required").toString()).isEqualTo("[\"name\",\"photoUrls\"]");
        assertThat(add.at("/$defs/Pet/properties/tags/items/$ref").asText()).isEqualTo("#/$defs/Tag");
        // OpenAPI-only keywords are gone
        assertThat(add.toString()).doesNotContain("\"xml\"", "\"example\"", "x-swagger-router-model");

        JsonNode delete = JSON.readTree(ops.get("petstore_deletePet").schema());
        assertThat(delete.at("/properties/api_key/type").asText()).isEqualTo("string");
        assertThat(ops.get("petstore_deletePet").parameters()).extracting(Operation.Param::in)
            .containsExactly(Operation.In.HEADER, Operation.In.PATH);

        JsonNode tags = JSON.readTree(ops.get("petstore_findPetsByTags").schema());
        assertThat(tags.at("/properties/tags/type").asText()).isEqualTo("array");
        assertThat(tags.has("required")).isFalse();
    }

    @Test
    void petstoreSchemasValidateArgumentsAsTheServerWould() throws Exception {
        Map<String, Operation> ops = byName(SpecImporter.read(resource("petstore3.yaml"), "petstore",
            (id, name) -> true, (id, name) -> null));
        String add = ops.get("petstore_addPet").schema();
        assertThat(Schemas.violations(add, Map.of("body", Map.of("name", "Rex", "photoUrls", List.of("u"),
            "category", Map.of("id", 1, "name", "Dogs"), "tags", List.of(Map.of("id", 2, "name", "good")))))).isEmpty();
        assertThat(Schemas.violations(add, Map.of("body", Map.of("name", "Rex")))).isNotEmpty(); // photoUrls missing
        assertThat(Schemas.violations(add, Map.of("body", Map.of("name", "Rex", "photoUrls", List.of(),
            "tags", List.of(Map.of("id", "not a number")))))).isNotEmpty();
        assertThat(Schemas.violations(add, Map.of())).isNotEmpty();
        String status = ops.get("petstore_findPetsByStatus").schema();
        assertThat(Schemas.violations(status, Map.of("status", "sold"))).isEmpty();
        assertThat(Schemas.violations(status, Map.of("status", "eaten"))).isNotEmpty();
        assertThat(Schemas.violations(status, Map.of("unknown", 1))).isNotEmpty();
        String byId = ops.get("petstore_getPetById").schema();
        assertThat(Schemas.violations(byId, Map.of("petId", 7))).isEmpty();
        assertThat(Schemas.violations(byId, Map.of("petId", "seven"))).isNotEmpty();
    }

    @Test
    void openApi30NullableAndExclusiveBecome2020Forms() throws Exception {
        String spec = """
            openapi: 3.0.3
            info: {title: t, version: '1'}
            paths:
              /n:
                get:
                  operationId: nums
                  parameters:
                    - {name: n, in: query, schema: {type: integer, minimum: 0, exclusiveMinimum: true, nullable: true}}
                    - {name: c, in: query, schema: {type: string, enum: [a, b], nullable: true}}
                  responses: {'200': {description: ok}}
            """;
        JsonNode schema = JSON.readTree(all(spec).operations().get(0).schema());
        assertThat(schema.at("/properties/n/type").toString()).isEqualTo("[\"integer\",\"null\"]");
        assertThat(schema.at("/properties/n/exclusiveMinimum").asInt()).isZero();
        assertThat(schema.at("/properties/n").has("minimum")).isFalse();
        assertThat(schema.at("/properties/c/enum").toString()).isEqualTo("[\"a\",\"b\",null]");
        assertThat(Schemas.violations(schema.toString(), Map.of("n", 0))).isNotEmpty();
        assertThat(Schemas.violations(schema.toString(), Map.of("n", 1))).isEmpty();
    }

    @Test
    void openApi31SchemasAndRecursionStayJsonSchema() throws Exception {
        String spec = """
            {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
             "paths": {"/nodes": {"post": {"operationId": "make.node", "summary": "Makes a node",
               "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}},
               "responses": {"200": {"description": "ok"}}}}},
             "components": {"schemas": {"Node": {"type": "object", "required": ["name"],
               "properties": {"name": {"type": ["string", "null"]}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}}}
            """;
        Operation op = all(spec).operations().get(0);
        assertThat(op.toolName()).isEqualTo("svc_make_node");
        JsonNode schema = JSON.readTree(op.schema());
        assertThat(schema.at("/$defs/Node/properties/children/items/$ref").asText()).isEqualTo("#/$defs/Node");
        assertThat(schema.at("/$defs/Node/properties/name/type").toString()).isEqualTo("[\"string\",\"null\"]");
        assertThat(Schemas.violations(op.schema(), Map.of("body", Map.of("name", "a", "children",
            List.of(Map.of("name", "b", "children", List.of())))))).isEmpty();
        assertThat(Schemas.violations(op.schema(), Map.of("body", Map.of("name", "a", "children",
            List.of(Map.of("children", List.of())))))).isNotEmpty();
    }

    @Test
    void unsupportedConstructsAreReportedAndLeftOutNeverGuessed() throws Exception {
        String spec = """
            openapi: 3.0.3
            info: {title: t, version: '1'}
            paths:
              /external:
                get:
                  operationId: external
                  parameters:
                    - {name: q, in: query, schema: {$ref: 'https://other.example/schemas.json#/Q'}}
                  responses: {'200': {description: ok}}
              /cookie:
                get:
                  operationId: cookie
                  parameters:
                    - {name: session, in: cookie, required: true, schema: {type: string}}
                  responses: {'200': {description: ok}}
              /object:
                get:
                  operationId: objectQuery
                  parameters:
                    - {name: filter, in: query, style: deepObject, schema: {type: object}}
                  responses: {'200': {description: ok}}
              /form:
                post:
                  operationId: form
                  requestBody:
                    required: true
                    content: {application/x-www-form-urlencoded: {schema: {type: object}}}
                  responses: {'200': {description: ok}}
              /twice/{id}:
                get:
                  operationId: twice
                  parameters:
                    - {name: id, in: path, required: true, schema: {type: string}}
                    - {name: id, in: query, schema: {type: string}}
                  responses: {'200': {description: ok}}
              /a:
                get:
                  operationId: same.name
                  responses: {'200': {description: ok}}
              /b:
                get:
                  operationId: same_name
                  responses: {'200': {description: ok}}
              /fine/{id}:
                get:
                  parameters:
                    - {$ref: '#/components/parameters/Id'}
                  responses: {'200': {description: ok}}
            components:
              parameters:
                Id: {name: id, in: path, required: true, schema: {type: string}}
            """;
        SpecImporter.Result result = all(spec);
        assertThat(result.operations()).extracting(Operation::toolName)
            .containsExactlyInAnyOrder("svc_same_name", "svc_get_fine_id");
        assertThat(result.operations()).filteredOn(o -> o.toolName().equals("svc_same_name"))
            .extracting(Operation::operationId).containsExactly("same.name");
        List<String> problems = result.problems();
        assertThat(problems).anyMatch(p -> p.contains("(external)") && p.contains("https://other.example")
            && p.contains("left out"));
        assertThat(problems).anyMatch(p -> p.contains("(cookie)") && p.contains("required cookie parameter"));
        assertThat(problems).anyMatch(p -> p.contains("(objectQuery)") && p.contains("deepObject"));
        assertThat(problems).anyMatch(p -> p.contains("(form)") && p.contains("application/x-www-form-urlencoded"));
        assertThat(problems).anyMatch(p -> p.contains("(twice)") && p.contains("two locations"));
        assertThat(problems).anyMatch(p -> p.contains("(same_name)") && p.contains("collides with GET /a (same.name)"));
    }

    @Test
    void selectionAndRiskOverridesApply() throws Exception {
        ServiceSettings settings = new ServiceSettings(Configs.of("name", "petstore", "spec", "x",
            "include", new String[] {"*Pet*, getInventory"}, "exclude", new String[] {"petstore_deletePet"},
            "risk", new String[] {"addPet=FINANCIAL,*ById=EXTERNAL"}), null, name -> null);
        SpecImporter.Result result = SpecImporter.read(resource("petstore3.yaml"), "petstore", settings::selected,
            settings::riskOf);
        Map<String, Operation> ops = byName(result);
        assertThat(ops.keySet()).containsExactlyInAnyOrder("petstore_addPet", "petstore_updatePet",
            "petstore_findPetsByStatus", "petstore_findPetsByTags", "petstore_getPetById", "petstore_updatePetWithForm",
            "petstore_getInventory");
        assertThat(ops.get("petstore_addPet").risk()).isEqualTo(RiskTier.FINANCIAL);
        assertThat(ops.get("petstore_getPetById").risk()).isEqualTo(RiskTier.EXTERNAL);
        assertThat(ops.get("petstore_updatePet").risk()).isEqualTo(RiskTier.WRITE);
    }

    @Test
    void aDocumentThatIsNotOpenApi3IsRefused() {
        assertThatThrownBy(() -> all("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n"))
            .isInstanceOf(SpecImporter.SpecException.class).hasMessageContaining("not an OpenAPI 3.0/3.1 document");
        assertThatThrownBy(() -> all("just text")).isInstanceOf(SpecImporter.SpecException.class);
    }

    @Test
    void toolNamesFollowTheNameRule() {
        assertThat(SpecImporter.toolName("gh", "repos/get-content")).isEqualTo("gh_repos_get-content");
        assertThat(SpecImporter.toolName("s", "x".repeat(100))).hasSize(64);
    }
}
