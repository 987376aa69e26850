package io.cuga.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cuga.launcher.Options.UsageException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsTest {

    private static final Path CWD = Path.of("/work/caller");
    private static final Path HOME = Path.of("/opt/cuga");

    @Test
    void defaultsLieInTheDistribution() throws UsageException {
        Options o = Options.parse(List.of(), CWD, HOME);

        assertThat(o.port()).isEqualTo(8080);
        assertThat(o.host()).isEqualTo("127.0.0.1");
        assertThat(o.data()).isEqualTo(HOME.resolve("data"));
        assertThat(o.deploy()).isEqualTo(HOME.resolve("deploy"));
        assertThat(o.config()).isEqualTo(HOME.resolve("runtime-config"));
    }

    @Test
    void relativePathsResolveAgainstTheWorkingDirectory() throws UsageException {
        Options o = Options.parse(List.of("--data", "d", "--deploy=../dep", "--config", "/etc/cuga", "--port",
                "18080", "--host=0.0.0.0"), CWD, HOME);

        assertThat(o.data()).isEqualTo(Path.of("/work/caller/d"));
        assertThat(o.deploy()).isEqualTo(Path.of("/work/dep"));
        assertThat(o.config()).isEqualTo(Path.of("/etc/cuga"));
        assertThat(o.port()).isEqualTo(18080);
        assertThat(o.host()).isEqualTo("0.0.0.0");
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertThatThrownBy(() -> Options.parse(List.of("--prot", "1"), CWD, HOME))
                .isInstanceOf(UsageException.class).hasMessage("unknown option '--prot'");
        assertThatThrownBy(() -> Options.parse(List.of("--port"), CWD, HOME)).hasMessage("option --port needs a value");
        assertThatThrownBy(() -> Options.parse(List.of("--port", "70000"), CWD, HOME))
                .hasMessageContaining("1 to 65535");
        assertThatThrownBy(() -> Options.parse(List.of("--data="), CWD, HOME)).hasMessageContaining("non-empty");
        assertThatThrownBy(() -> Options.parse(List.of(), CWD, null)).hasMessageContaining("--home");
    }

    @Test
    void helpWins() throws UsageException {
        assertThat(Options.parse(List.of("--port", "1", "--help", "--bogus"), CWD, HOME).help()).isTrue();
    }

    @Test
    void setsRepeatModeAndLenientAreParsed() throws UsageException {
        Options o = Options.parse(List.of("--set", "a.b=1", "--set=c.d=x=y", "--mode", "service", "--lenient"), CWD,
                HOME);
        assertThat(o.sets()).containsExactly("a.b=1", "c.d=x=y");
        assertThat(o.mode()).isEqualTo("service");
        assertThat(o.lenient()).isTrue();
        Options d = Options.parse(List.of(), CWD, HOME);
        assertThat(d.mode()).isEqualTo("local");
        assertThat(d.lenient()).isFalse();
        assertThatThrownBy(() -> Options.parse(List.of("--set", "novalue"), CWD, HOME))
                .hasMessage("--set needs key=value, not 'novalue'");
        assertThatThrownBy(() -> Options.parse(List.of("--mode", "cloud"), CWD, HOME))
                .hasMessage("--mode is one of local, service, mcp, not 'cloud'");
    }
}
