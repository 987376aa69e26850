package io.cuga.policy.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cuga.api.policy.PolicyException;

/**
 * {@code ./cuga policy check FILE...}: validates policy documents offline with the server's own code (parser,
 * checks, guardrails found on the class path, {@code extends} resolved against the sibling files). Prints
 * {@code FILE: ok ...} on standard output for each valid document and {@code file:line:column: /path: message}
 * on standard error for each invalid one. Exit status: 0 all valid, 1 some invalid, 2 usage error.
 */
public final class PolicyCommand {

    static final int OK = 0;
    static final int INVALID = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = """
        usage: ./cuga policy check FILE...

        Validates policy documents (<profile>.yaml) offline, with the server's own checks and the guardrails of
        the distribution; a document that extends another is checked against <parent>.yaml in its folder.
        Prints 'FILE: ok' for each valid document and 'file:line:column: /path: message' (on stderr) for each
        invalid one. Exit status: 0 all valid, 1 some invalid, 2 usage error.
        """;

    private final PrintStream out;
    private final PrintStream err;
    private final GuardrailCatalog catalog;

    PolicyCommand(PrintStream out, PrintStream err, GuardrailCatalog catalog) {
        this.out = out;
        this.err = err;
        this.catalog = catalog;
    }

    /**
     * @param args {@code check FILE...}
     */
    public static void main(String[] args) {
        if (System.getProperty("org.ops4j.pax.logging.DefaultServiceLog.level") == null) {
            // guardrail classes may log through Pax Logging's API jar, which prints to stdout outside OSGi
            System.setProperty("org.ops4j.pax.logging.DefaultServiceLog.level", "ERROR");
        }
        System.exit(run(args, System.out, System.err, PolicyCommand.class.getClassLoader()));
    }

    /**
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @param loader where to look for guardrails
     * @return the exit status
     */
    static int run(String[] args, PrintStream out, PrintStream err, ClassLoader loader) {
        if (args.length == 0) {
            err.print(USAGE_TEXT);
            return USAGE;
        }
        String command = args[0];
        if ("help".equals(command) || "-h".equals(command) || "--help".equals(command)) {
            out.print(USAGE_TEXT);
            return OK;
        }
        if (!"check".equals(command)) {
            err.println("cuga policy: unknown command '" + command + "'");
            err.print(USAGE_TEXT);
            return USAGE;
        }
        List<String> files = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if ("-h".equals(arg) || "--help".equals(arg)) {
                out.print(USAGE_TEXT);
                return OK;
            }
            if (arg.startsWith("-") && !"-".equals(arg) && !arg.startsWith("--") || arg.startsWith("--")
                && !"--".equals(arg)) {
                err.println("cuga policy check: unknown option '" + arg + "'");
                return USAGE;
            }
            if (!"--".equals(arg)) {
                files.add(arg);
            }
        }
        if (files.isEmpty()) {
            err.println("cuga policy check: name at least one FILE");
            err.print(USAGE_TEXT);
            return USAGE;
        }
        for (String file : files) {
            if (!Files.isRegularFile(Path.of(file))) {
                err.println("cuga policy check: no such file: " + file);
                return USAGE;
            }
        }
        ClassPathGuardrails guardrails = ClassPathGuardrails.load(loader);
        for (String problem : guardrails.problems()) {
            err.println("cuga policy check: warning: " + problem);
        }
        return new PolicyCommand(out, err, guardrails).check(files);
    }

    /**
     * @param files the documents
     * @return {@link #OK} or {@link #INVALID}
     */
    int check(List<String> files) {
        Documents parents = new Documents(files);
        int status = OK;
        for (String file : files) {
            try {
                PolicyCompiler.Compiled compiled = parents.compile(Path.of(file), file);
                out.println(file + ": ok (profile " + compiled.profile() + ", guardrails "
                    + String.join(", ", compiled.chain()) + (compiled.parent() == null ? ""
                    : ", extends " + compiled.parent()) + ")");
            } catch (PolicyCompiler.Refused e) {
                err.println(e.error());
                status = INVALID;
            }
        }
        return status;
    }

    /** The documents named on the command line and their siblings, as parents. Compiles each once. */
    private final class Documents implements PolicyCompiler.Parents {

        private final Map<String, Path> named = new LinkedHashMap<>();
        private final Map<Path, Object> results = new HashMap<>();
        private Path folder;

        Documents(List<String> files) {
            for (String file : files) {
                Path path = Path.of(file);
                String name = path.getFileName().toString();
                if (name.endsWith(FolderPoller.SUFFIX)) {
                    named.putIfAbsent(name.substring(0, name.length() - FolderPoller.SUFFIX.length()), path);
                }
            }
        }

        PolicyCompiler.Compiled compile(Path path, String label) throws PolicyCompiler.Refused {
            Path key = path.toAbsolutePath().normalize();
            Object done = results.get(key);
            if (done instanceof PolicyCompiler.Compiled compiled) {
                return compiled;
            }
            if (done instanceof PolicyCompiler.Refused refused) {
                throw refused;
            }
            Path previousFolder = folder;
            folder = path.toAbsolutePath().getParent();
            try {
                PolicyCompiler.Compiled compiled = compileOnce(path, label);
                results.put(key, compiled);
                return compiled;
            } catch (PolicyCompiler.Refused e) {
                results.put(key, e);
                throw e;
            } finally {
                folder = previousFolder;
            }
        }

        private PolicyCompiler.Compiled compileOnce(Path path, String label) throws PolicyCompiler.Refused {
            String name = path.getFileName().toString();
            if (!name.endsWith(FolderPoller.SUFFIX)
                || !DocumentHeader.isName(name.substring(0, name.length() - FolderPoller.SUFFIX.length()))) {
                throw new PolicyCompiler.Refused(PolicyCompiler.Kind.INVALID, new PolicyException("",
                    "the file name must be <profile>.yaml, the profile 1-64 of A-Z a-z 0-9 . _ -", label, 1, 1));
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(path);
            } catch (IOException e) {
                throw new PolicyCompiler.Refused(PolicyCompiler.Kind.INVALID, new PolicyException("",
                    "cannot read the file: " + e.getMessage(), label, 1, 1));
            }
            String profile = name.substring(0, name.length() - FolderPoller.SUFFIX.length());
            return new PolicyCompiler(catalog, this, Guard.DIRECT).compile(bytes, label, profile);
        }

        private Path pathOf(String profile) {
            Path sibling = folder == null ? null : folder.resolve(profile + FolderPoller.SUFFIX);
            if (sibling != null && Files.isRegularFile(sibling)) {
                return sibling;
            }
            return named.get(profile);
        }

        @Override
        public String extendsOf(String profile) {
            Path path = pathOf(profile);
            if (path == null) {
                return null;
            }
            try {
                return DocumentHeader.peekParent(YamlTree.parse(Files.readAllBytes(path),
                    path.toString()).root());
            } catch (IOException | PolicyException e) {
                return null;
            }
        }

        @Override
        public PolicyCompiler.Compiled resolve(String profile) throws PolicyCompiler.ParentUnavailable {
            Path path = pathOf(profile);
            if (path == null) {
                throw new PolicyCompiler.ParentUnavailable("there is no policy document " + (folder == null
                    ? profile + FolderPoller.SUFFIX : folder.resolve(profile + FolderPoller.SUFFIX)));
            }
            try {
                return compile(path, path.toString());
            } catch (PolicyCompiler.Refused e) {
                throw new PolicyCompiler.ParentUnavailable("its document is invalid: " + e.error());
            }
        }
    }
}
