// The archetype plugin checks validationRegex only when it prompts (interactive mode); in batch mode (-B) this
// script is what refuses a tool name the server would refuse, and removes the project it just generated.
def toolName = request.properties.get('toolName')
if (!(toolName ==~ /^[a-zA-Z0-9_-]{1,64}$/)) {
    new File(request.outputDirectory, request.artifactId).deleteDir()
    throw new IllegalArgumentException("toolName '" + toolName + "' is not a valid tool name: it must match "
        + "^[a-zA-Z0-9_-]{1,64}\$ (letters, digits, '_' and '-', at most 64), so that it passes unchanged to LLM "
        + "function calling and MCP")
}
def className = request.properties.get('className')
if (!(className ==~ /^[A-Za-z_][A-Za-z0-9_]*$/)) {
    new File(request.outputDirectory, request.artifactId).deleteDir()
    throw new IllegalArgumentException("className '" + className + "' (made from the tool name) is not a Java "
        + "class name: pass one, for example -DclassName=MyTool")
}
