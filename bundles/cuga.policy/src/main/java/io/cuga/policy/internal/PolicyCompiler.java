package io.cuga.policy.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import io.cuga.api.guardrail.Guardrail;
import io.cuga.api.policy.PolicyException;

/**
 * Turns the bytes of one policy document into its compiled form, with the same code in the server and in the
 * CLI: parse (with locations), check the top level, find a guardrail for every listed type, resolve
 * {@code extends} (cycles, missing parents), deep-merge with the parent, compile every section with its
 * guardrail, and check that every type the parent names is only tightened. Every error is a
 * {@link PolicyException} with file, line and column.
 */
final class PolicyCompiler {

    /** Deepest {@code extends} chain accepted. */
    static final int MAX_DEPTH = 16;

    private static final int MAX_MESSAGE = 300;

    /** Why a document was refused, which says when trying it again can help. */
    enum Kind {
        /** The document itself is wrong: only an edit helps (or a change of its parent or guardrails). */
        INVALID,
        /** A listed guardrail type is not installed: retried when a guardrail appears. */
        MISSING_GUARDRAIL,
        /** The parent profile has no usable policy: retried when the parent activates. */
        PARENT
    }

    /** A refused document: the located error and its kind. No stack trace: it is an answer, not a bug. */
    static final class Refused extends Exception {

        private static final long serialVersionUID = 1L;

        private final Kind kind;
        private final PolicyException error;

        Refused(Kind kind, PolicyException error) {
            super(error.toString(), null, false, false);
            this.kind = kind;
            this.error = error;
        }

        Kind kind() {
            return kind;
        }

        PolicyException error() {
            return error;
        }
    }

    /** The parent profile cannot be used (no document, or no active policy). */
    static final class ParentUnavailable extends Exception {

        private static final long serialVersionUID = 1L;

        ParentUnavailable(String message) {
            super(message, null, false, false);
        }
    }

    /** What the compiler needs to know of other profiles. */
    interface Parents {

        /**
         * @param profile a profile
         * @return the {@code extends} of its latest document, null when it has none or no document
         */
        String extendsOf(String profile);

        /**
         * @param profile the parent profile
         * @return its compiled, active policy
         * @throws ParentUnavailable when it has none, saying why
         */
        Compiled resolve(String profile) throws ParentUnavailable;
    }

    /** No profile exists besides the one compiled. */
    static final Parents NO_PARENTS = new Parents() {
        @Override
        public String extendsOf(String profile) {
            return null;
        }

        @Override
        public Compiled resolve(String profile) throws ParentUnavailable {
            throw new ParentUnavailable("no policy document for profile '" + profile + "'");
        }
    };

    /**
     * A compiled document.
     *
     * @param profile the profile
     * @param digest {@code sha256:<hex>} of the bytes
     * @param parent the extended profile, or null
     * @param document the effective document (after {@code extends}), unmodifiable
     * @param chain the types in chain order (by {@link Guardrail#ORDER}, then document order)
     * @param rules the compiled rules per type
     * @param providers the guardrail each type was compiled with
     */
    record Compiled(String profile, String digest, String parent, Map<String, Object> document, List<String> chain,
        Map<String, Guardrail.Rules> rules, Map<String, GuardrailCatalog.Provided> providers) {

        /**
         * @param other another compilation of the same profile
         * @return whether both have the same effective document, compiled by the same guardrails
         */
        boolean sameAs(Compiled other) {
            if (other == null || !document.equals(other.document) || !providers.keySet().equals(
                other.providers.keySet())) {
                return false;
            }
            for (Map.Entry<String, GuardrailCatalog.Provided> entry : providers.entrySet()) {
                GuardrailCatalog.Provided mine = entry.getValue();
                GuardrailCatalog.Provided theirs = other.providers.get(entry.getKey());
                if (mine.id() != theirs.id() || mine.guardrail() != theirs.guardrail()) {
                    return false;
                }
            }
            return true;
        }
    }

    private final GuardrailCatalog catalog;
    private final Parents parents;
    private final Guard guard;

    /**
     * @param catalog the guardrails
     * @param parents the other profiles
     * @param guard how guardrail code is called
     */
    PolicyCompiler(GuardrailCatalog catalog, Parents parents, Guard guard) {
        this.catalog = catalog;
        this.parents = parents;
        this.guard = guard;
    }

    /**
     * @param bytes the document
     * @return {@code sha256:<hex>} of the bytes
     */
    static String digest(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /**
     * @param bytes the document
     * @param file the name errors report
     * @param expectedProfile the profile the document must name (from its file name or route), or null
     * @return the compiled document
     * @throws Refused when it is not valid, with the located reason
     */
    Compiled compile(byte[] bytes, String file, String expectedProfile) throws Refused {
        String digest = digest(bytes);
        YamlTree.Parsed parsed;
        try {
            parsed = YamlTree.parse(bytes, file);
        } catch (PolicyException e) {
            throw new Refused(Kind.INVALID, e);
        }
        SourceMap sources = parsed.sources();
        DocumentHeader header;
        try {
            header = DocumentHeader.read(parsed.root(), expectedProfile, catalog.types());
        } catch (PolicyException e) {
            throw new Refused(Kind.INVALID, sources.locate(e, file));
        }
        Located at = new Located(sources, file, header);

        Map<String, GuardrailCatalog.Provided> providers = new LinkedHashMap<>();
        for (int i = 0; i < header.guardrails().size(); i++) {
            String type = header.guardrails().get(i);
            GuardrailCatalog.Provided provided = catalog.find(type);
            if (provided == null) {
                throw at.refused(Kind.MISSING_GUARDRAIL, Pointer.child("/" + DocumentHeader.GUARDRAILS, i),
                    catalog.missing(type));
            }
            providers.put(type, provided);
        }

        Compiled parent = header.parent() == null ? null : parent(header, at);
        Map<String, Object> document = effective(header, parent);

        Map<String, Guardrail.Rules> rules = new LinkedHashMap<>();
        for (String type : header.guardrails()) {
            GuardrailCatalog.Provided provided = providers.get(type);
            Map<String, Object> section = Values.map(document.get(type));
            Guardrail.Rules compiled;
            try {
                compiled = guard.call(() -> provided.guardrail().compile(section, header.profile()));
            } catch (PolicyException e) {
                throw at.inSection(Kind.INVALID, type, e.path(), oneLine(e.getMessage()));
            } catch (TimeoutException e) {
                throw at.inSection(Kind.INVALID, type, "", "guardrail '" + type + "' (" + provided.origin()
                    + ") did not compile its section within " + guard.timeoutMillis() + " ms");
            } catch (Throwable e) {
                throw at.inSection(Kind.INVALID, type, "", "guardrail '" + type + "' (" + provided.origin()
                    + ") failed while compiling its section: " + describe(e));
            }
            if (compiled == null) {
                throw at.inSection(Kind.INVALID, type, "", "guardrail '" + type + "' ("
                    + provided.origin() + ") returned no rules for its section");
            }
            rules.put(type, compiled);
        }

        if (parent != null) {
            tightens(header, parent, providers, rules, at);
        }

        List<String> chain = new ArrayList<>(header.guardrails());
        chain.sort(Comparator.comparingInt((String type) -> providers.get(type).order())
            .thenComparingInt(header.guardrails()::indexOf));
        return new Compiled(header.profile(), digest, header.parent(), document, List.copyOf(chain),
            Map.copyOf(rules), Map.copyOf(providers));
    }

    private Compiled parent(DocumentHeader header, Located at) throws Refused {
        String extendsPath = "/" + DocumentHeader.EXTENDS;
        List<String> chain = new ArrayList<>();
        chain.add(header.profile());
        for (String next = header.parent(); next != null; next = parents.extendsOf(next)) {
            if (chain.contains(next)) {
                chain.add(next);
                throw at.refused(Kind.INVALID, extendsPath, "extends cycle: " + String.join(" -> ", chain));
            }
            chain.add(next);
            if (chain.size() > MAX_DEPTH) {
                throw at.refused(Kind.INVALID, extendsPath, "the extends chain is deeper than " + MAX_DEPTH
                    + " profiles");
            }
        }
        Compiled parent;
        try {
            parent = parents.resolve(header.parent());
        } catch (ParentUnavailable e) {
            throw at.refused(Kind.PARENT, extendsPath, "cannot extend profile '" + header.parent() + "': "
                + e.getMessage());
        }
        for (String type : parent.chain()) {
            if (!header.guardrails().contains(type)) {
                throw at.refused(Kind.INVALID, "/" + DocumentHeader.GUARDRAILS, "must keep guardrail type '" + type
                    + "': profile '" + parent.profile() + "', which this one extends, names it (a profile may only "
                    + "tighten the one it extends)");
            }
        }
        return parent;
    }

    private static Map<String, Object> effective(DocumentHeader header, Compiled parent) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(DocumentHeader.PROFILE, header.profile());
        if (header.parent() != null) {
            out.put(DocumentHeader.EXTENDS, header.parent());
        }
        String description = header.description();
        if (description == null && parent != null) {
            description = (String) parent.document().get(DocumentHeader.DESCRIPTION);
        }
        if (description != null) {
            out.put(DocumentHeader.DESCRIPTION, description);
        }
        out.put(DocumentHeader.GUARDRAILS, header.guardrails());
        for (String type : header.guardrails()) {
            Object inherited = parent == null ? null : parent.document().get(type);
            Map<String, Object> own = header.sections().get(type);
            Object section;
            if (inherited == null) {
                section = own == null ? Map.of() : own;
            } else {
                section = own == null ? inherited : Values.merge(inherited, own);
            }
            out.put(type, section);
        }
        return Values.map(out);
    }

    private void tightens(DocumentHeader header, Compiled parent, Map<String, GuardrailCatalog.Provided> providers,
        Map<String, Guardrail.Rules> rules, Located at) throws Refused {
        for (String type : parent.chain()) {
            GuardrailCatalog.Provided provided = providers.get(type);
            GuardrailCatalog.Provided parentProvided = parent.providers().get(type);
            if (parentProvided == null || parentProvided.id() != provided.id()
                || parentProvided.guardrail() != provided.guardrail()) {
                throw at.refused(Kind.PARENT, "/" + DocumentHeader.EXTENDS, "profile '" + parent.profile()
                    + "' was compiled with another '" + type + "' guardrail than the one installed now; it must be "
                    + "compiled again first");
            }
            Guardrail.Rules parentRules = parent.rules().get(type);
            Guardrail.Rules own = rules.get(type);
            try {
                guard.call(() -> {
                    own.checkTightens(parentRules);
                    return null;
                });
            } catch (PolicyException e) {
                throw at.inSection(Kind.INVALID, type, e.path(), "loosens profile '" + parent.profile()
                    + "': " + oneLine(e.getMessage()));
            } catch (TimeoutException e) {
                throw at.inSection(Kind.INVALID, type, "", "guardrail '" + type + "' (" + provided.origin()
                    + ") did not check the tightening within " + guard.timeoutMillis() + " ms");
            } catch (Throwable e) {
                throw at.inSection(Kind.INVALID, type, "", "guardrail '" + type + "' (" + provided.origin()
                    + ") failed while checking that profile '" + header.profile() + "' tightens '" + parent.profile()
                    + "': " + describe(e));
            }
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        String name = e.getClass().getSimpleName().isEmpty() ? e.getClass().getName() : e.getClass().getSimpleName();
        return message == null || message.isBlank() ? name : name + ": " + oneLine(message);
    }

    private static String oneLine(String text) {
        String line = text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").trim();
        return line.length() > MAX_MESSAGE ? line.substring(0, MAX_MESSAGE) + "..." : line;
    }

    /** Locates errors in one document. */
    private record Located(SourceMap sources, String file, DocumentHeader header) {

        Refused refused(Kind kind, String path, String message) {
            return new Refused(kind, sources.locate(new PolicyException(path, message), file));
        }

        /**
         * @param kind the kind
         * @param type a section
         * @param relative a path within it, as the guardrail reported it
         * @param message what is wrong
         * @return the refusal, with the path in the whole document; located at the type's item in
         *     {@code guardrails} when the document has no such section (it is inherited or defaulted)
         */
        Refused inSection(Kind kind, String type, String relative, String message) {
            String path = Pointer.inSection(type, relative);
            String locatedAt = path;
            if (!sources.has(Pointer.child("", type))) {
                locatedAt = Pointer.child("/" + DocumentHeader.GUARDRAILS, header.guardrails().indexOf(type));
            }
            SourceMap.Location location = sources.find(locatedAt);
            return new Refused(kind, new PolicyException(path, message, file, location.line(), location.column()));
        }
    }
}
