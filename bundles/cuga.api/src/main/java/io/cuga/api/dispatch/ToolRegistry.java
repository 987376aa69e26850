package io.cuga.api.dispatch;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

import io.cuga.api.tool.ToolDescriptor;

/**
 * The orchestrator's view of the tools: which are visible under a profile, and, for diagnostics, every tool
 * service it tracks with the reason it is hidden or refused, and bundles that failed to resolve.
 */
@ProviderType
public interface ToolRegistry {

    /**
     * @param profile the policy profile
     * @return the tools a caller under that profile may list and call, sorted by name
     */
    List<ToolDescriptor> visible(String profile);

    /**
     * @param name the tool name
     * @param profile the policy profile
     * @return the tool, if it is visible under that profile
     */
    Optional<ToolDescriptor> find(String name, String profile);

    /** @return every tool service tracked, visible or not, sorted by name */
    List<ToolInfo> all();

    /** @return current problems an operator or tool author should know of, newest first */
    List<Diagnostic> diagnostics();
}
