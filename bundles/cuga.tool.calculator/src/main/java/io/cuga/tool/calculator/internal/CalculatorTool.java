package io.cuga.tool.calculator.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.cuga.api.tool.RiskTier;
import io.cuga.api.tool.Tool;
import io.cuga.api.tool.ToolCall;
import io.cuga.api.tool.ToolException;
import io.cuga.api.tool.ToolService;

/**
 * The {@code calculator} tool: evaluates an arithmetic expression with a hand-written parser (no script
 * engine, no reflection), exactly for integers and in doubles for floats, within fixed limits.
 */
@Component(service = Tool.class)
@ToolService(name = "calculator",
    description = "Evaluates an arithmetic expression exactly and safely, with Python's operators "
        + "(+ - * / // % **, comparisons), lists, the functions abs round min max sum pow sin cos tan asin acos "
        + "atan sinh cosh tanh log log10 log2 exp sqrt ceil floor and the constants pi e tau inf.",
    risk = RiskTier.READ,
    schema = "/schemas/calculator.json")
public class CalculatorTool implements Tool {

    @Override
    public Object invoke(ToolCall call) throws ToolException {
        Object expression = call.arguments().get("expression");
        if (!(expression instanceof String text)) {
            throw new ToolException("invalid_arguments",
                "the argument 'expression' must be a string such as \"2 * (3 + 4)\"");
        }
        Object value = Calculator.evaluate(text);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("expression", text);
        result.put("value", value);
        return result;
    }
}
