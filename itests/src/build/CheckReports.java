import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Fails the build when the in-framework run executed fewer tests than expected, or none: a tester that finds no
 * test exits green (STACK.md, "silent false green"), so the count is checked on its own.
 *
 * <p>Run as a single source file: {@code java CheckReports.java <reports dir> <expected minimum>}.
 */
public class CheckReports {

    private static final Pattern SUITE = Pattern.compile("<testsuite\\b[^>]*>");

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int expected = Integer.parseInt(args[1]);
        if (!Files.isDirectory(dir)) {
            fail("no test reports in " + dir + ": the in-framework tests did not run");
        }
        List<Path> reports;
        try (Stream<Path> files = Files.walk(dir)) {
            reports = files.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml"))
                .sorted().collect(Collectors.toList());
        }
        int tests = 0;
        int failed = 0;
        int skipped = 0;
        for (Path report : reports) {
            Matcher suite = SUITE.matcher(Files.readString(report));
            while (suite.find()) {
                String tag = suite.group();
                tests += attribute(tag, "tests");
                failed += attribute(tag, "failures") + attribute(tag, "errors");
                skipped += attribute(tag, "skipped");
            }
        }
        String summary = (tests - failed - skipped) + " passed, " + failed + " failed, " + skipped + " skipped";
        System.out.println("In-framework tests: " + reports.size() + " report(s) in " + dir + ", at least "
            + expected + " tests expected");
        System.out.println("itests: " + summary);
        if (tests == 0) {
            fail("the in-framework run executed no test");
        }
        if (tests < expected) {
            fail("the in-framework run executed " + tests + " tests, fewer than the " + expected
                + " expected: tests went missing (raise or lower itests.expected in itests/pom.xml on purpose)");
        }
        if (failed > 0) {
            fail(failed + " in-framework test(s) failed");
        }
    }

    private static int attribute(String tag, String name) {
        Matcher m = Pattern.compile("\\b" + name + "=\"(\\d+)\"").matcher(tag);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static void fail(String message) {
        System.err.println("ERROR: " + message);
        System.exit(1);
    }
}
