package io.cuga.launcher.config;

/** The configuration layers, lowest precedence first: a later layer overrides an earlier one key by key. */
public enum Layer {
    DEFAULT("default"),
    CFG("cfg"),
    TOML("toml"),
    YAML("yaml"),
    DOTENV(".env"),
    ENV("environment"),
    CLI("command line");

    private final String label;

    Layer(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
