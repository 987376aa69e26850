package io.cuga.tool.mcp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.cuga.api.tool.RiskTier;

class ServersFileTest {

    private static final Map<String, String> ENV = Map.of("TOKEN", "s3cret");

    private static List<ServerSpec> parse(String yaml) {
        return ServersFile.parse("servers.yaml", yaml, ENV::get);
    }

    @Test
    void readsStdioAndHttpServersWithRiskOverrides() {
        List<ServerSpec> specs = parse("""
            servers:
              - name: everything
                transport: stdio
                command: /opt/mcp/bin/mcp-server-everything
                args: [stdio, --verbose]
                env: { LOG_LEVEL: info, KEY: "k-${env:TOKEN}" }
                cwd: work/sub
                risk: { get-env: WRITE, "*": read }
              - name: remote
                transport: http
                url: http://127.0.0.1:3001/mcp?x=1
                headers:
                  Authorization: "Bearer ${env:TOKEN}"
            """);
        assertThat(specs).hasSize(2);
        ServerSpec stdio = specs.get(0);
        assertThat(stdio.transport()).isEqualTo(ServerSpec.Transport.STDIO);
        assertThat(stdio.command()).isEqualTo("/opt/mcp/bin/mcp-server-everything");
        assertThat(stdio.args()).containsExactly("stdio", "--verbose");
        assertThat(stdio.env()).containsEntry("LOG_LEVEL", "info").containsEntry("KEY", "k-s3cret");
        assertThat(stdio.cwd()).isEqualTo("work/sub");
        assertThat(stdio.risk()).containsEntry("get-env", RiskTier.WRITE).containsEntry("*", RiskTier.READ);
        assertThat(stdio.line()).isEqualTo(2);
        ServerSpec http = specs.get(1);
        assertThat(http.transport()).isEqualTo(ServerSpec.Transport.HTTP);
        assertThat(http.url()).isEqualTo(URI.create("http://127.0.0.1:3001/mcp?x=1"));
        assertThat(http.headers()).containsEntry("Authorization", "Bearer s3cret");
        assertThat(http.line()).isEqualTo(9);
    }

    @Test
    void anEmptyFileOrEmptyListMeansNoServers() {
        assertThat(parse("")).isEmpty();
        assertThat(parse("servers: []\n")).isEmpty();
        assertThat(parse("servers:\n")).isEmpty();
    }

    @Test
    void anEntryMovedInTheFileIsTheSameServer() {
        ServerSpec a = parse("servers:\n  - {name: a, transport: stdio, command: x}\n").get(0);
        ServerSpec b = parse("\n\nservers:\n  - {name: a, transport: stdio, command: x}\n").get(0);
        assertThat(a).isNotEqualTo(b);
        assertThat(a.withoutLine()).isEqualTo(b.withoutLine());
    }

    @Test
    void brokenYamlNamesItsLine() {
        assertThatThrownBy(() -> parse("servers:\n  - name: a\n    transport: stdio\n   command: [x\n"))
            .isInstanceOf(ServersFile.Invalid.class)
            .hasMessageStartingWith("servers.yaml line ")
            .hasMessageContaining("not valid YAML");
    }

    @Test
    void mistakesNameTheirLineAndWhatIsWrong() {
        assertThatThrownBy(() -> parse("servers:\n  - name: a\n    transport: carrier-pigeon\n    command: x\n"))
            .hasMessage("servers.yaml line 3: server 'a': transport must be stdio or http, not 'carrier-pigeon'");
        assertThatThrownBy(() -> parse("""
            servers:
              - {name: a, transport: stdio, command: x}
              - {name: A, transport: stdio, command: y}
            """)).hasMessage("servers.yaml line 3: server name 'A' is already used on line 2");
        assertThatThrownBy(() -> parse("servers:\n  - name: a\n    transport: stdio\n"))
            .hasMessage("servers.yaml line 2: a server entry needs 'command'");
        assertThatThrownBy(() -> parse("servers:\n  - name: a\n    transport: stdio\n    command: x\n"
            + "    cwd: ../../etc\n"))
            .hasMessageStartingWith("servers.yaml line 5: server 'a': cwd '../../etc' must be a relative path");
        assertThatThrownBy(() -> parse("servers:\n  - name: a\n    transport: stdio\n    command: x\n"
            + "    cwd: /etc\n"))
            .hasMessageStartingWith("servers.yaml line 5: server 'a': cwd '/etc' must be a relative path");
        assertThatThrownBy(() -> parse("servers:\n  - name: a\n    transport: http\n    url: x\n    command: y\n"))
            .hasMessageStartingWith("servers.yaml line 5: server 'a': unknown key 'command' for transport http");
        assertThatThrownBy(() -> parse("servers:\n  - name: a\n    transport: http\n    url: ftp://h/x\n"))
            .hasMessage("servers.yaml line 4: server 'a': url must be an absolute http or https URL, not 'ftp://h/x'");
        assertThatThrownBy(() -> parse("servers:\n  - name: a b\n    transport: stdio\n    command: x\n"))
            .hasMessage("servers.yaml line 2: server name 'a b' must be 1 to 32 letters, digits or '-'");
        assertThatThrownBy(() -> parse("servers:\n  - name: a\n    transport: http\n    url: http://h/\n"
            + "    headers: {X: \"${env:MISSING}\"}\n"))
            .hasMessage("servers.yaml line 5: server 'a': headers 'X' refers to the environment variable "
                + "MISSING, which is not set");
        assertThatThrownBy(() -> parse("servers:\n  - name: a\n    transport: stdio\n    command: x\n"
            + "    risk: {echo: harmless}\n"))
            .hasMessageStartingWith("servers.yaml line 5: server 'a': unknown risk tier 'harmless'");
        assertThatThrownBy(() -> parse("server:\n  - name: a\n"))
            .hasMessage("servers.yaml line 1: unknown key 'server' in the file (expected: servers)");
        assertThatThrownBy(() -> parse("servers: {name: a}\n"))
            .hasMessage("servers.yaml line 1: servers must be a list of server entries");
    }

    @Test
    void duplicateKeysAreRefused() {
        assertThatThrownBy(() -> parse("servers:\n  - name: a\n    name: b\n    transport: stdio\n    command: x\n"))
            .isInstanceOf(ServersFile.Invalid.class)
            .hasMessageContaining("line 3");
    }
}
