package io.cuga.agents.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cuga.api.agent.Plan;
import io.cuga.api.agent.PlannedStep;
import io.cuga.api.agent.Planner;
import io.cuga.api.tool.ToolDescriptor;

/**
 * The default planner, with no model: splits the goal into parts ("... then ...", ";"), ranks the visible tools
 * for each part and fills the best one's arguments from the part's words.
 *
 * <p>Score of a tool for a part = word similarity (shared content words over the geometric mean of both word
 * counts, see {@link Words}; arithmetic in the goal counts as the words "arithmetic expression") + {@value #NAME_BONUS} when the goal names the tool (or a word of its name) +
 * {@value #FILLED_BONUS} when every required argument could be extracted − {@value #MISSING_PENALTY} when one
 * could not − the tool's risk-tier penalty ({@link io.cuga.api.tool.RiskTier#penalty()}: READ 0, WRITE 0.1,
 * EXTERNAL 0.2, DELETE 0.4, FINANCIAL 0.5). The best tool is planned when its score reaches
 * {@value #MIN_SCORE}; confidence is that score capped to [0, 1].
 *
 * <p>Multi-turn: the words "previous result", "last result", "the result", "that result", "the answer" or
 * "previous answer" in a goal are replaced by the number in the session's last answer (the first memory text).
 */
@Component(service = Planner.class, property = Planner.NAME + "=" + OfflinePlanner.NAME)
public final class OfflinePlanner implements Planner {

    /** This planner's name. */
    static final String NAME = "offline";
    /** Added when the goal names the tool. */
    static final double NAME_BONUS = 0.3;
    /** Added when every required argument was found in the goal. */
    static final double FILLED_BONUS = 0.2;
    /** Subtracted when a required argument is missing. */
    static final double MISSING_PENALTY = 0.5;
    /** The least score a planned tool needs. */
    static final double MIN_SCORE = 0.15;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PARTS = Pattern.compile("(?i)\\s*(?:;|,?\\s+and then\\s+|,?\\s+then\\s+)\\s*");
    private static final Pattern REFERENCE = Pattern.compile(
        "(?i)\\b(?:the previous result|the last result|previous result|last result|that result|the result"
            + "|the previous answer|previous answer|the last answer|the answer)\\b");
    /** "the" and up to four words after it: a phrase that may name a remembered result. */
    private static final Pattern PHRASE = Pattern.compile("(?i)\\bthe\\s+((?:[a-z]+\\s+){0,3}[a-z]+)");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?");

    /** One tool's score for one part of a goal. */
    record Ranked(ToolDescriptor tool, double score, double similarity, Map<String, Object> arguments,
        List<String> missing, List<String> notes) {
    }

    @Override
    public Plan plan(Context context) {
        List<PlannedStep> steps = new ArrayList<>();
        StringBuilder explanation = new StringBuilder();
        double confidence = 1;
        String goal = resolveMemory(resolveReferences(context.goal(), context.memory(), explanation),
            context.memory(), explanation);
        List<String> parts = parts(goal);
        for (String part : parts) {
            List<Ranked> ranked = rank(part, context.tools());
            if (ranked.isEmpty() || ranked.get(0).score() < MIN_SCORE) {
                explanation.append("no visible tool fits \"").append(part).append('"');
                if (!ranked.isEmpty()) {
                    Ranked best = ranked.get(0);
                    explanation.append(" (best: ").append(best.tool().name()).append(' ')
                        .append(String.format(Locale.ROOT, "%.2f", best.score()));
                    if (!best.missing().isEmpty()) {
                        explanation.append(", missing ").append(String.join(", ", best.missing()));
                    }
                    explanation.append(')');
                }
                explanation.append("; ");
                return new Plan(NAME, List.of(), explanation.toString().strip(), 0);
            }
            Ranked best = ranked.get(0);
            String rationale = String.format(Locale.ROOT, "%s scored %.2f (similarity %.2f, risk %s)%s%s",
                best.tool().name(), best.score(), best.similarity(), best.tool().risk(),
                best.notes().isEmpty() ? "" : "; " + String.join(", ", best.notes()),
                ranked.size() > 1 ? String.format(Locale.ROOT, "; next %s %.2f", ranked.get(1).tool().name(),
                    ranked.get(1).score()) : "");
            steps.add(new PlannedStep(best.tool().name(), best.arguments(), rationale));
            explanation.append('"').append(part).append("\" → ").append(rationale).append("; ");
            confidence = Math.min(confidence, Math.max(0, Math.min(1, best.score())));
        }
        return new Plan(NAME, steps, explanation.toString().strip(), steps.isEmpty() ? 0 : confidence);
    }

    /**
     * @param part one part of a goal
     * @param tools the visible tools
     * @return every tool with its score, best first (ties: the lower risk, then by name)
     */
    static List<Ranked> rank(String part, List<ToolDescriptor> tools) {
        Set<String> goalWords = new java.util.LinkedHashSet<>(Words.of(part));
        if (ArgumentExtractor.expression(part) != null) {
            // arithmetic in the goal speaks for itself, even without a word such as "calculate"
            goalWords.add("arithmetic");
            goalWords.add("expression");
        }
        List<String> rawGoal = Words.split(part);
        List<Ranked> out = new ArrayList<>();
        for (ToolDescriptor tool : tools) {
            Set<String> toolWords = Words.of(tool.name() + " " + tool.description());
            long shared = goalWords.stream().filter(toolWords::contains).count();
            double similarity = goalWords.isEmpty() || toolWords.isEmpty() ? 0
                : shared / Math.sqrt((double) goalWords.size() * toolWords.size());
            double score = similarity;
            if (rawGoal.contains(tool.name().toLowerCase(Locale.ROOT))
                || Words.split(tool.name()).stream().anyMatch(w -> w.length() > 2 && rawGoal.contains(w))) {
                score += NAME_BONUS;
            }
            if (score == 0) {
                continue; // nothing in the goal points at this tool: filled arguments alone do not make it fit
            }
            ArgumentExtractor.Result args = ArgumentExtractor.extract(part, schema(tool));
            score += args.missing().isEmpty() ? FILLED_BONUS : -MISSING_PENALTY;
            score -= tool.risk().penalty();
            out.add(new Ranked(tool, score, similarity, args.arguments(), args.missing(), args.notes()));
        }
        out.sort(Comparator.comparingDouble(Ranked::score).reversed()
            .thenComparing(r -> r.tool().risk().ordinal()).thenComparing(r -> r.tool().name()));
        return out;
    }

    /** @return the parts of a goal, split at "then", "and then" and semicolons */
    static List<String> parts(String goal) {
        List<String> parts = new ArrayList<>();
        for (String p : PARTS.split(goal.strip())) {
            if (!p.isBlank()) {
                parts.add(p.strip());
            }
        }
        return parts;
    }

    /** Replaces "the previous result" and the like by the number of the session's last answer. */
    static String resolveReferences(String goal, List<String> memory, StringBuilder explanation) {
        if (memory.isEmpty()) {
            return goal;
        }
        Matcher ref = REFERENCE.matcher(goal);
        if (!ref.find()) {
            return goal;
        }
        Matcher number = NUMBER.matcher(memory.get(0));
        String last = null;
        while (number.find()) {
            last = number.group();
        }
        if (last == null) {
            return goal;
        }
        explanation.append("\"").append(ref.group()).append("\" = ").append(last).append(" from the session; ");
        return REFERENCE.matcher(goal).replaceAll(Matcher.quoteReplacement(last));
    }

    /**
     * Memory-augmented planning: "the yearly rent" in a goal becomes the number a remembered task answered when
     * that task's goal had every content word of the phrase ("calculate the yearly rent 1200*12 => 14400").
     * Memory texts are "goal => answer", best first; the first whose answer is a number wins.
     */
    static String resolveMemory(String goal, List<String> memory, StringBuilder explanation) {
        if (memory.isEmpty()) {
            return goal;
        }
        StringBuilder out = new StringBuilder();
        Matcher m = PHRASE.matcher(goal);
        int end = 0;
        while (m.find()) {
            String[] words = m.group(1).split("\\s+");
            String found = null;
            int used = 0;
            for (int n = words.length; n > 0 && found == null; n--) {
                String phrase = String.join(" ", java.util.Arrays.copyOf(words, n));
                List<String> content = Words.content(phrase);
                if (content.isEmpty()) {
                    continue;
                }
                for (String text : memory) {
                    int arrow = text.lastIndexOf(" => ");
                    if (arrow < 0) {
                        continue;
                    }
                    String answer = text.substring(arrow + 4).strip();
                    if (NUMBER.matcher(answer).matches()
                        && Words.content(text.substring(0, arrow)).containsAll(content)) {
                        found = answer;
                        used = n;
                        explanation.append('"').append("the ").append(phrase).append("\" = ").append(answer)
                            .append(" from memory (").append(text.substring(0, arrow).strip()).append("); ");
                        break;
                    }
                }
            }
            if (found == null) {
                continue;
            }
            // the phrase is "the" and the first `used` words: find where they end in the goal
            Matcher words2 = Pattern.compile("[A-Za-z]+").matcher(goal);
            int phraseEnd = m.start(1);
            int seen = 0;
            words2.region(m.start(1), m.end(1));
            while (seen < used && words2.find()) {
                phraseEnd = words2.end();
                seen++;
            }
            out.append(goal, end, m.start()).append(found);
            end = phraseEnd;
        }
        out.append(goal.substring(end));
        return out.toString();
    }

    private static JsonNode schema(ToolDescriptor tool) {
        try {
            return JSON.readTree(tool.inputSchema());
        } catch (IOException | RuntimeException e) {
            return JSON.createObjectNode();
        }
    }

    /** @return the extractor's result for a tool, for tests */
    static Map<String, Object> argumentsFor(String goal, ToolDescriptor tool) {
        return new LinkedHashMap<>(ArgumentExtractor.extract(goal, schema(tool)).arguments());
    }
}
