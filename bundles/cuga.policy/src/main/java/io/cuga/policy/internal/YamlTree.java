package io.cuga.policy.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.Mark;
import com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException;

import io.cuga.api.policy.PolicyException;

/**
 * Parses one YAML policy document into JSON-compatible values (maps keep their order) and records where every
 * path is, by walking the parser's tokens. Stricter than a plain YAML load: one document per file, the root a
 * mapping, no duplicate keys, no aliases, no binary values, finite numbers, UTF-8 only, at most
 * {@link #MAX_BYTES}.
 */
final class YamlTree {

    /** The largest document accepted, in bytes. */
    static final int MAX_BYTES = 1_048_576;

    /** An empty plain value (`key:` and nothing) is null, as YAML says; a quoted empty string stays a string. */
    private static final YAMLFactory FACTORY = YAMLFactory.builder()
        .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();

    /**
     * A parsed document.
     *
     * @param root the root mapping, unmodifiable (nested maps and lists too)
     * @param sources where each path is
     */
    record Parsed(Map<String, Object> root, SourceMap sources) {
    }

    private final String file;
    private final Map<String, SourceMap.Location> locations = new HashMap<>();

    private YamlTree(String file) {
        this.file = file;
    }

    /**
     * @param bytes the document, UTF-8 (a byte order mark is allowed)
     * @param file the name errors report
     * @return the parsed document
     * @throws PolicyException with file, line and column when it is not a valid document
     */
    static Parsed parse(byte[] bytes, String file) throws PolicyException {
        return new YamlTree(file).read(bytes);
    }

    private Parsed read(byte[] bytes) throws PolicyException {
        if (bytes.length > MAX_BYTES) {
            throw error("", "the document is larger than " + MAX_BYTES + " bytes", SourceMap.START);
        }
        String text = decode(bytes);
        try (YAMLParser parser = (YAMLParser) FACTORY.createParser(text)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                throw error("", "the document is empty: it needs at least 'profile' and 'guardrails'",
                    SourceMap.START);
            }
            if (token != JsonToken.START_OBJECT) {
                throw error("", "the document must be a mapping (key: value lines), not " + describe(token),
                    location(parser.currentTokenLocation()));
            }
            SourceMap.Location rootLocation = location(parser.currentTokenLocation());
            @SuppressWarnings("unchecked")
            Map<String, Object> root = (Map<String, Object>) value(parser, token, "");
            locations.put("", rootLocation);
            JsonToken next = parser.nextToken();
            if (next != null) {
                throw error("", "a policy file holds one YAML document; a second one starts here",
                    location(parser.currentTokenLocation()));
            }
            return new Parsed(root, new SourceMap(locations));
        } catch (MarkedYAMLException e) {
            throw syntax(e);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw error("", "invalid YAML: " + oneLine(e.getOriginalMessage()),
                at == null ? SourceMap.START : location(at));
        } catch (IOException | RuntimeException e) {
            throw error("", "invalid YAML: " + oneLine(String.valueOf(e.getMessage())), SourceMap.START);
        }
    }

    private Object value(YAMLParser parser, JsonToken token, String path) throws IOException, PolicyException {
        switch (token) {
            case START_OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                JsonToken next;
                while ((next = parser.nextToken()) == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    String child = Pointer.child(path, key);
                    SourceMap.Location at = location(parser.currentTokenLocation());
                    if (map.containsKey(key)) {
                        SourceMap.Location first = locations.get(child);
                        throw error(child, "duplicate key '" + key + "' (first at line " + first.line() + ", column "
                            + first.column() + ")", at);
                    }
                    locations.put(child, at);
                    map.put(key, value(parser, parser.nextToken(), child));
                }
                if (next != JsonToken.END_OBJECT) {
                    throw error(path, "unexpected " + describe(next), location(parser.currentTokenLocation()));
                }
                return Collections.unmodifiableMap(map);
            }
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                JsonToken next;
                while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (next == null) {
                        throw error(path, "the list does not end", location(parser.currentLocation()));
                    }
                    String child = Pointer.child(path, list.size());
                    locations.put(child, location(parser.currentTokenLocation()));
                    list.add(value(parser, next, child));
                }
                return Collections.unmodifiableList(list);
            }
            case VALUE_STRING:
                if (parser.isCurrentAlias()) {
                    throw error(path, "aliases (*" + parser.getText() + ") are not supported: write the value out",
                        location(parser.currentTokenLocation()));
                }
                return parser.getText();
            case VALUE_NUMBER_INT:
                return parser.getNumberValue();
            case VALUE_NUMBER_FLOAT: {
                double number;
                try {
                    number = parser.getDoubleValue();
                } catch (JsonProcessingException e) {
                    number = Double.NaN;
                }
                if (Double.isNaN(number) || Double.isInfinite(number)) {
                    throw error(path, "numbers must be finite, not " + parser.getText(),
                        location(parser.currentTokenLocation()));
                }
                return number;
            }
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw error(path, describe(token) + " values are not supported", location(
                    parser.currentTokenLocation()));
        }
    }

    private PolicyException syntax(MarkedYAMLException e) {
        Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        SourceMap.Location at = mark == null ? SourceMap.START
            : new SourceMap.Location(mark.getLine() + 1, mark.getColumn() + 1);
        String problem = e.getProblem() == null ? String.valueOf(e.getOriginalMessage()) : e.getProblem();
        String context = e.getContext();
        String message = context == null || context.isBlank() ? problem : context + ": " + problem;
        return error("", "invalid YAML: " + oneLine(message), at);
    }

    private String decode(byte[] bytes) throws PolicyException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            out.flip();
            throw error("", "the document is not UTF-8 (byte " + in.position() + ")", position(out));
        }
        decoder.flush(out);
        out.flip();
        String text = out.toString();
        return !text.isEmpty() && text.charAt(0) == '\uFEFF' ? text.substring(1) : text;
    }

    private static SourceMap.Location position(CharSequence before) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < before.length(); i++) {
            if (before.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new SourceMap.Location(line, column);
    }

    private static SourceMap.Location location(JsonLocation at) {
        int line = Math.max(1, at.getLineNr());
        int column = Math.max(1, at.getColumnNr());
        return new SourceMap.Location(line, column);
    }

    private PolicyException error(String path, String message, SourceMap.Location at) {
        return new PolicyException(path, message, file, at.line(), at.column());
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "the end of the document";
        }
        return switch (token) {
            case START_ARRAY -> "a list";
            case START_OBJECT -> "a mapping";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case VALUE_EMBEDDED_OBJECT -> "binary";
            default -> token.asString() == null ? token.name() : token.asString();
        };
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
