package io.cuga.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * ops/Dockerfile, checked without a Docker engine: the rules a linter would enforce for this image (no hadolint
 * here), and that it runs the launcher the way ./cuga start does.
 */
class DockerfileTest {

    static final Path DOCKERFILE = Ops.ops().resolve("Dockerfile");
    static final Path ENTRYPOINT = Ops.ops().resolve("docker/entrypoint.sh");
    static final Pattern PINNED = Pattern.compile("^[^\\s@]+@sha256:[0-9a-f]{64}$");

    /** One instruction: keyword and the rest, continuation lines joined, comments dropped. */
    record Instruction(String keyword, String args) {
    }

    static List<Instruction> parse(String text) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (current.length() == 0 && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (current.length() > 0 && line.startsWith("#")) {
                continue; // a comment inside a continued instruction
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            String joined = current.toString().strip();
            current.setLength(0);
            int space = joined.indexOf(' ');
            out.add(new Instruction(joined.substring(0, space < 0 ? joined.length() : space).toUpperCase(Locale.ROOT),
                space < 0 ? "" : joined.substring(space + 1).strip()));
        }
        return out;
    }

    /** The rules; an empty list means the Dockerfile keeps them all. */
    static List<String> lint(String text) {
        List<String> problems = new ArrayList<>();
        List<Instruction> all = parse(text);
        List<Integer> froms = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).keyword().equals("FROM")) {
                froms.add(i);
                String image = all.get(i).args().split("\\s+")[0];
                if (image.startsWith("--")) {
                    problems.add("FROM with options is not expected: " + all.get(i).args());
                } else if (!PINNED.matcher(image).matches()) {
                    problems.add("base image not pinned by digest: " + image);
                }
                if (image.contains(":latest")) {
                    problems.add("base image uses the latest tag: " + image);
                }
            }
            if (all.get(i).keyword().equals("ADD")) {
                problems.add("ADD (use COPY; no remote sources): " + all.get(i).args());
            }
        }
        if (froms.size() < 2) {
            problems.add("not a multi-stage build (" + froms.size() + " FROM)");
            return problems;
        }
        List<Instruction> runtime = all.subList(froms.get(froms.size() - 1), all.size());
        String user = null;
        int userAt = -1;
        int entrypointAt = -1;
        boolean healthcheck = false;
        for (int i = 0; i < runtime.size(); i++) {
            Instruction in = runtime.get(i);
            switch (in.keyword()) {
                case "USER" -> {
                    user = in.args();
                    userAt = i;
                }
                case "ENTRYPOINT", "CMD" -> entrypointAt = Math.max(entrypointAt, i);
                case "HEALTHCHECK" -> {
                    healthcheck = true;
                    if (!in.args().contains("/health") || in.args().startsWith("NONE")) {
                        problems.add("HEALTHCHECK does not ask /health: " + in.args());
                    }
                }
                default -> {
                }
            }
        }
        if (user == null) {
            problems.add("the runtime stage runs as root (no USER)");
        } else {
            String name = user.split(":")[0];
            if (name.equals("root") || name.equals("0")) {
                problems.add("USER is root: " + user);
            }
            if (entrypointAt >= 0 && userAt > entrypointAt) {
                problems.add("USER comes after ENTRYPOINT/CMD");
            }
        }
        if (!healthcheck) {
            problems.add("no HEALTHCHECK in the runtime stage");
        }
        if (entrypointAt < 0) {
            problems.add("no ENTRYPOINT in the runtime stage");
        }
        return problems;
    }

    static String dockerfile() throws IOException {
        return Files.readString(DOCKERFILE, StandardCharsets.UTF_8);
    }

    @Test
    void keepsTheRules() throws IOException {
        assertThat(lint(dockerfile())).isEmpty();
    }

    @Test
    void theRulesCatchABrokenDockerfile() throws IOException {
        String good = dockerfile();
        assertThat(lint(good.replaceFirst("(eclipse-temurin:17-jre-noble)@sha256:[0-9a-f]{64}", "$1")))
            .anySatisfy(p -> assertThat(p).startsWith("base image not pinned by digest: eclipse-temurin:17-jre-noble"));
        assertThat(lint(good.replace("USER cuga:cuga", "USER root"))).containsExactly("USER is root: root");
        assertThat(lint(good.replace("USER cuga:cuga", ""))).containsExactly("the runtime stage runs as root (no USER)");
        assertThat(lint(good.replaceAll("(?s)HEALTHCHECK .*?\\|\\| exit 1\n", "")))
            .containsExactly("no HEALTHCHECK in the runtime stage");
        assertThat(lint(good.replace("/health\"", "/ready\""))).hasSize(1);
        assertThat(lint(good.replaceFirst("(?s)FROM maven.*?AS build\n", "")))
            .anySatisfy(p -> assertThat(p).startsWith("not a multi-stage build"));
    }

    @Test
    void buildsTheDistributionLikeCugaBuildAndCopiesItIntoTheRuntime() throws IOException {
        List<Instruction> all = parse(dockerfile());
        Instruction first = all.stream().filter(i -> i.keyword().equals("FROM")).findFirst().orElseThrow();
        assertThat(first.args()).startsWith("maven:3.9-eclipse-temurin-17@").endsWith(" AS build");
        Instruction last = all.stream().filter(i -> i.keyword().equals("FROM")).reduce((a, b) -> b).orElseThrow();
        assertThat(last.args()).startsWith("eclipse-temurin:17-jre");
        assertThat(all).anySatisfy(i -> {
            assertThat(i.keyword()).isEqualTo("RUN");
            assertThat(i.args()).contains("mvn -B -q -Dstyle.color=never -DskipTests -pl features -am package");
        });
        // the cuga script builds with the same goals and options
        assertThat(Files.readString(Ops.root().resolve("cuga"), StandardCharsets.UTF_8))
            .contains("mvn -B -q -Dstyle.color=never -DskipTests -pl features -am package");
        for (String part : List.of("lib", "features", "repository")) {
            assertThat(all).anySatisfy(i -> assertThat(i.keyword() + " " + i.args()).isEqualTo(
                "COPY --from=build /src/features/target/cuga/" + part + "/ /opt/cuga/" + part + "/"));
        }
        // every COPY from the build context names something that exists in the repository
        for (Instruction i : all) {
            if (i.keyword().equals("COPY") && !i.args().contains("--from=")) {
                String[] words = i.args().replaceAll("--[a-z]+=\\S+\\s*", "").split("\\s+");
                for (int w = 0; w < words.length - 1; w++) {
                    assertThat(Ops.root().resolve(words[w])).as("COPY source " + words[w]).exists();
                }
            }
        }
        assertThat(all).anySatisfy(i -> assertThat(i.keyword() + " " + i.args())
            .isEqualTo("ENTRYPOINT [\"/opt/cuga/bin/cuga-entrypoint\"]"));
        assertThat(all).anySatisfy(i -> assertThat(i.keyword() + " " + i.args())
            .isEqualTo("COPY --chmod=0755 ops/docker/entrypoint.sh /opt/cuga/bin/cuga-entrypoint"));
        assertThat(all).anySatisfy(i -> assertThat(i.keyword() + " " + i.args()).isEqualTo("EXPOSE 8080"));
        assertThat(Files.readString(Ops.ops().resolve("Dockerfile.dockerignore"))).contains("**/target", ".git");
    }

    @Test
    void theEntrypointUsesTheJvmOptionsAndMainClassOfCugaStart() throws IOException {
        String script = Files.readString(Ops.root().resolve("cuga"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?s)JVM_OPTS=\\((.*?)\\n\\)").matcher(script);
        assertThat(m.find()).as("JVM_OPTS in ./cuga").isTrue();
        List<String> cugaOptions = List.of(m.group(1).strip().split("\\s+"));
        String entrypoint = Files.readString(ENTRYPOINT, StandardCharsets.UTF_8);
        List<String> entryOptions = new ArrayList<>();
        Matcher opt = Pattern.compile("(?m)^\\s+(-X[^\\n]*?|--sun[^\\n]*?)\\s*\\\\$").matcher(entrypoint);
        while (opt.find()) {
            entryOptions.addAll(List.of(opt.group(1).strip().split("\\s+")));
        }
        assertThat(entryOptions).as("JVM options of the entrypoint vs ./cuga start").isEqualTo(cugaOptions);
        assertThat(script).contains("-cp \"$DIST/lib/*\" io.cuga.launcher.Main");
        assertThat(entrypoint).contains("-cp \"$CUGA_HOME/lib/*\" io.cuga.launcher.Main")
            .contains("${CUGA_JAVA_OPTS:-}").contains("exec \"$JAVA\"");
        assertThat(Files.isExecutable(ENTRYPOINT)).isTrue();
    }
}
