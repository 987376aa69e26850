package io.cuga.policy.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.cuga.api.policy.PolicyException;

/**
 * The top level of a policy document, checked: {@code profile} (equal to the file name), {@code extends},
 * {@code description}, {@code guardrails} (the types it needs), and one section per listed type. Errors carry
 * the JSON-pointer path only; the caller locates them in the source.
 *
 * @param profile the profile
 * @param parent the profile it extends, or null
 * @param description the description, or null
 * @param guardrails the listed types, in document order
 * @param sections the section of each listed type that has one (null sections as empty maps)
 */
record DocumentHeader(String profile, String parent, String description, List<String> guardrails,
    Map<String, Map<String, Object>> sections) {

    /** Key of the profile name. */
    static final String PROFILE = "profile";
    /** Key of the parent profile. */
    static final String EXTENDS = "extends";
    /** Key of the free text. */
    static final String DESCRIPTION = "description";
    /** Key of the list of guardrail types. */
    static final String GUARDRAILS = "guardrails";

    /** The types the platform ships, recognised as section keys even when their bundle is not installed. */
    static final Set<String> BUILT_IN_TYPES = Set.of("allowlist", "schema", "egress", "ratelimit", "budget",
        "approval", "redaction");

    private static final Set<String> RESERVED = Set.of(PROFILE, EXTENDS, DESCRIPTION, GUARDRAILS);
    private static final int MAX_NAME = 64;

    /**
     * @param root the parsed root mapping
     * @param expectedProfile the profile the file name (or the API route) says, or null to accept any
     * @param knownTypes guardrail types installed now (besides the built-in ones), for better messages
     * @return the header
     * @throws PolicyException naming the path of the first problem, in document order
     */
    static DocumentHeader read(Map<String, Object> root, String expectedProfile, Set<String> knownTypes)
        throws PolicyException {
        Set<String> listed = lenientList(root.get(GUARDRAILS));
        String profile = null;
        String parent = null;
        String description = null;
        List<String> guardrails = null;
        Map<String, Map<String, Object>> sections = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : root.entrySet()) {
            String key = entry.getKey();
            Object value = entry.getValue();
            String path = Pointer.child("", key);
            switch (key) {
                case PROFILE -> profile = profile(path, value, expectedProfile);
                case EXTENDS -> parent = name(path, value, "a profile name");
                case DESCRIPTION -> description = string(path, value);
                case GUARDRAILS -> guardrails = guardrails(path, value);
                default -> {
                    if (listed.contains(key)) {
                        sections.put(key, section(path, value));
                    } else if (BUILT_IN_TYPES.contains(key) || knownTypes.contains(key)) {
                        throw new PolicyException(path, "section '" + key + "' is for guardrail type '" + key
                            + "', which 'guardrails' does not list; list it or remove the section");
                    } else {
                        throw new PolicyException(path, "unknown key '" + key + "'; a policy has profile, extends, "
                            + "description, guardrails and one section per listed guardrail type");
                    }
                }
            }
        }
        if (profile == null) {
            throw new PolicyException("", "missing key 'profile'" + (expectedProfile == null ? ""
                : ": add 'profile: " + expectedProfile + "'"));
        }
        if (guardrails == null) {
            throw new PolicyException("", "missing key 'guardrails': list the guardrail types this policy needs, "
                + "for example [allowlist, schema]");
        }
        if (profile.equals(parent)) {
            throw new PolicyException("/" + EXTENDS, "a profile cannot extend itself");
        }
        return new DocumentHeader(profile, parent, description, List.copyOf(guardrails), sections);
    }

    /**
     * @param root a parsed root mapping, possibly invalid
     * @return its {@code extends} when it is a usable name, else null (for ordering loads before validation)
     */
    static String peekParent(Map<String, Object> root) {
        Object value = root.get(EXTENDS);
        return value instanceof String text && isName(text) ? text : null;
    }

    /**
     * @param name a profile name candidate
     * @return whether it matches {@code ^[A-Za-z0-9._-]{1,64}$} (the HTTP API's rule)
     */
    static boolean isName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static String profile(String path, Object value, String expected) throws PolicyException {
        String profile = name(path, value, "the profile name");
        if (expected != null && !expected.equals(profile)) {
            throw new PolicyException(path, "profile '" + profile + "' does not match the file name: this document "
                + "is for profile '" + expected + "'");
        }
        return profile;
    }

    private static String name(String path, Object value, String what) throws PolicyException {
        if (!(value instanceof String text)) {
            throw new PolicyException(path, "must be " + what + " (a string), not " + Values.kind(value));
        }
        if (!isName(text)) {
            throw new PolicyException(path, "'" + text + "' is not a profile name: 1-64 of A-Z a-z 0-9 . _ -");
        }
        return text;
    }

    private static String string(String path, Object value) throws PolicyException {
        if (value != null && !(value instanceof String)) {
            throw new PolicyException(path, "must be a string, not " + Values.kind(value));
        }
        return (String) value;
    }

    private static List<String> guardrails(String path, Object value) throws PolicyException {
        if (!(value instanceof List<?> list)) {
            throw new PolicyException(path, "must be a list of guardrail types, not " + Values.kind(value));
        }
        if (list.isEmpty()) {
            throw new PolicyException(path, "must name at least one guardrail type (an empty chain would allow "
                + "every call)");
        }
        List<String> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String item = Pointer.child(path, i);
            if (!(list.get(i) instanceof String type)) {
                throw new PolicyException(item, "must be a guardrail type (a string), not " + Values.kind(list.get(i)));
            }
            if (!isType(type)) {
                throw new PolicyException(item, "'" + type + "' is not a guardrail type: 1-64 of a-z 0-9 . _ -, "
                    + "starting with a letter");
            }
            if (RESERVED.contains(type)) {
                throw new PolicyException(item, "'" + type + "' is a key of the document, not a guardrail type");
            }
            if (out.contains(type)) {
                throw new PolicyException(item, "guardrail type '" + type + "' is listed twice");
            }
            out.add(type);
        }
        return out;
    }

    private static Map<String, Object> section(String path, Object value) throws PolicyException {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map)) {
            throw new PolicyException(path, "must be a mapping (the settings of this guardrail type), not "
                + Values.kind(value));
        }
        return Values.map(value);
    }

    private static Set<String> lenientList(Object value) {
        Set<String> out = new LinkedHashSet<>();
        if (value instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof String text) {
                    out.add(text);
                }
            }
        }
        return out;
    }

    private static boolean isType(String type) {
        if (type.isEmpty() || type.length() > MAX_NAME || !(type.charAt(0) >= 'a' && type.charAt(0) <= 'z')) {
            return false;
        }
        for (int i = 1; i < type.length(); i++) {
            char c = type.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
