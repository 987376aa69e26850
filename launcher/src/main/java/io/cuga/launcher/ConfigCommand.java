package io.cuga.launcher;

import io.cuga.launcher.config.Explain;
import io.cuga.launcher.config.Resolved;
import io.cuga.launcher.config.Resolver;
import io.cuga.launcher.config.Schema;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ./cuga config explain [KEY] [--config DIR] [--deploy DIR] [--set KEY=VALUE]...}: the effective
 * configuration with each value's layer and source, from the same inputs {@code ./cuga start} would resolve
 * (this process's environment and working directory, and the options given). Exit 0; 1 when KEY has no value
 * or the configuration has problems (printed); 2 on a usage error.
 */
public final class ConfigCommand {

    static final String USAGE = """
            usage: ./cuga config explain [KEY] [--config DIR] [--deploy DIR] [--set KEY=VALUE]...
              prints each effective configuration value with its layer (command line, environment, .env, yaml,
              toml, cfg, default) and source (file:line or variable); secrets are masked.
              Pass the --config and --set options you start the server with. See docs/configuration.md.""";

    private ConfigCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.getenv(), Paths.get("").toAbsolutePath(), System.out, System.err));
    }

    static int run(List<String> args, Map<String, String> env, Path cwd, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            out.println(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        if (!args.get(0).equals("explain")) {
            err.println("cuga config: unknown subcommand '" + args.get(0) + "'\n" + USAGE);
            return 2;
        }
        String home = System.getProperty("cuga.home");
        String root = System.getProperty("cuga.root", home);
        Path config = root == null ? null : Paths.get(root, "runtime-config");
        Path deploy = root == null ? null : Paths.get(root, "deploy");
        List<String> sets = new ArrayList<>();
        String key = null;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            String name = a.startsWith("--") && a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            String value = name.equals(a) ? null : a.substring(a.indexOf('=') + 1);
            if (List.of("--config", "--deploy", "--set").contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        err.println("cuga config: option " + name + " needs a value");
                        return 2;
                    }
                    value = args.get(++i);
                }
                switch (name) {
                    case "--config" -> config = cwd.resolve(value).normalize();
                    case "--deploy" -> deploy = cwd.resolve(value).normalize();
                    default -> sets.add(value);
                }
            } else if (a.startsWith("-") || key != null) {
                err.println("cuga config: unexpected argument '" + a + "'\n" + USAGE);
                return 2;
            } else {
                key = a;
            }
        }
        if (config == null) {
            err.println("cuga config: no configuration folder: pass --config DIR");
            return 2;
        }
        Schema schema;
        try {
            schema = Schema.fromFolders(List.of(home == null ? cwd.resolve("repository") : Paths.get(home,
                    "repository"), deploy));
        } catch (IOException e) {
            err.println("cuga config: cannot read the distribution's metatype: " + e.getMessage());
            return 1;
        }
        Resolved r = Resolver.resolve(new Resolver.Inputs(config, cwd, env, sets), schema, true);
        for (Resolved.Problem p : r.problems()) {
            err.println("cuga config: problem: " + p);
        }
        if (key == null) {
            Explain.all(r, out);
        } else if (!Explain.one(r, key, out)) {
            err.println("cuga config: no value for '" + key + "'"
                    + (schema.attr(Schema.canonical(key)) == null ? " (not a known key)" : ""));
            return 1;
        }
        return r.problems().isEmpty() ? 0 : 1;
    }
}
