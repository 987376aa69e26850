package io.cuga.launcher;

import io.cuga.launcher.config.Modes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's command line. Relative paths resolve against the working directory; omitted ones default to
 * folders of the distribution home ({@code data}, {@code deploy}, {@code runtime-config}).
 */
record Options(Path home, Path data, Path deploy, Path config, String host, int port, boolean help,
        List<String> sets, String mode, boolean lenient) {

    static final String USAGE = """
            usage: java -jar lib/cuga-launcher.jar [options]   (./cuga start passes these)
              --home DIR     the distribution: lib/, features/, repository/ (default: the launcher jar's parent's parent)
              --port N       HTTP port (default 8080)
              --host H       address to listen on (default 127.0.0.1; 0.0.0.0 for all interfaces)
              --data DIR     data folder: logs, secrets, framework cache (default HOME/data)
              --deploy DIR   hot-deploy folder for bundle jars and .cfg files (default HOME/deploy)
              --config DIR   configuration folder, runtime-config (default HOME/runtime-config)
              --set KEY=VAL  a configuration value above every other layer (repeatable; docs/configuration.md)
              --mode M       local (default), service or mcp: what is checked before the start
              --lenient      report unknown configuration keys and wrong types as warnings instead of refusing
              --help         this text""";

    /** A command line that cannot be used: the launcher exits 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static Options parse(List<String> args, Path cwd, Path defaultHome) throws UsageException {
        Path home = null;
        Path data = null;
        Path deploy = null;
        Path config = null;
        String host = "127.0.0.1";
        int port = 8080;
        List<String> sets = new ArrayList<>();
        String mode = "local";
        boolean lenient = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (name.equals("--help") || name.equals("-h")) {
                return new Options(null, null, null, null, host, port, true, List.of(), mode, false);
            }
            if (name.equals("--lenient") && value == null) {
                lenient = true;
                continue;
            }
            if (!List.of("--home", "--port", "--host", "--data", "--deploy", "--config", "--set", "--mode")
                    .contains(name)) {
                throw new UsageException("unknown option '" + arg + "'");
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new UsageException("option " + name + " needs a value");
                }
                value = args.get(++i);
            }
            if (value.isBlank()) {
                throw new UsageException("option " + name + " needs a non-empty value");
            }
            switch (name) {
                case "--home" -> home = cwd.resolve(value).normalize();
                case "--data" -> data = cwd.resolve(value).normalize();
                case "--deploy" -> deploy = cwd.resolve(value).normalize();
                case "--config" -> config = cwd.resolve(value).normalize();
                case "--host" -> host = value;
                case "--set" -> {
                    if (value.indexOf('=') <= 0 || value.contains("\n")) {
                        throw new UsageException("--set needs key=value, not '" + value + "'");
                    }
                    sets.add(value);
                }
                case "--mode" -> {
                    if (!Modes.NAMES.contains(value)) {
                        throw new UsageException("--mode is one of " + String.join(", ", Modes.NAMES) + ", not '"
                                + value + "'");
                    }
                    mode = value;
                }
                default -> port = port(value);
            }
        }
        if (home == null) {
            if (defaultHome == null) {
                throw new UsageException("cannot tell the distribution folder: pass --home DIR");
            }
            home = defaultHome;
        }
        return new Options(home, data != null ? data : home.resolve("data"),
                deploy != null ? deploy : home.resolve("deploy"),
                config != null ? config : home.resolve("runtime-config"), host, port, false, List.copyOf(sets), mode,
                lenient);
    }

    private static int port(String value) throws UsageException {
        try {
            int port = Integer.parseInt(value);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--port needs a number from 1 to 65535, not '" + value + "'");
    }
}
