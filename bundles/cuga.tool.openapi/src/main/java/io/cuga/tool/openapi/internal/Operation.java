package io.cuga.tool.openapi.internal;

import java.util.List;

import io.cuga.api.tool.RiskTier;

/**
 * One imported operation, everything a tool needs to build its request.
 *
 * @param toolName the tool name ({@code <service>_<operationId>}, sanitised)
 * @param operationId the operationId as written (or derived from method and path when absent)
 * @param method the HTTP method, upper case
 * @param path the path template, e.g. {@code /pets/{petId}}
 * @param description for people and models
 * @param schema the JSON Schema 2020-12 of the arguments
 * @param risk the risk tier
 * @param parameters the path, query and header parameters
 * @param body the request body, or null when the operation takes none
 */
record Operation(String toolName, String operationId, String method, String path, String description, String schema,
    RiskTier risk, List<Param> parameters, Body body) {

    /** Where a parameter goes. */
    enum In { PATH, QUERY, HEADER }

    /**
     * @param name the parameter's name, also its argument name
     * @param in where it goes
     * @param required whether it must be given
     * @param array whether its schema is an array
     * @param explode for a query array: repeat the name ({@code a=1&a=2}) rather than join with commas
     */
    record Param(String name, In in, boolean required, boolean array, boolean explode) {
    }

    /**
     * @param contentType the JSON media type sent
     * @param required whether the body must be given
     */
    record Body(String contentType, boolean required) {
    }

    /** The argument that holds the request body. */
    static final String BODY = "body";
}
