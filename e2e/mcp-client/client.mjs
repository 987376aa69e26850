// A real MCP client for the e2e tests: the official TypeScript SDK over streamable HTTP.
//   node client.mjs list                         -> {"server":..., "tools":[...]}
//   node client.mjs call <tool> <json> [wait]    -> the tools/call result; wait: _meta io.cuga/approvalWaitSeconds
// Environment: MCP_URL (http://127.0.0.1:<port>/mcp), MCP_TOKEN (bearer), MCP_PROFILE (optional X-Cuga-Profile).
// Prints one JSON document on stdout; exit code 0 when the exchange worked (a tool error is still a result).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [command, tool, args, wait] = process.argv.slice(2);
const headers = { Authorization: `Bearer ${process.env.MCP_TOKEN ?? ''}` };
if (process.env.MCP_PROFILE) {
  headers['X-Cuga-Profile'] = process.env.MCP_PROFILE;
}
const transport = new StreamableHTTPClientTransport(new URL(process.env.MCP_URL), { requestInit: { headers } });
const client = new Client({ name: 'cuga-e2e', version: '1.0.0' });
try {
  await client.connect(transport);
  let out;
  if (command === 'list') {
    const listed = await client.listTools();
    out = { server: client.getServerVersion(), sessionId: transport.sessionId ?? null, tools: listed.tools };
  } else if (command === 'call') {
    const request = { name: tool, arguments: JSON.parse(args ?? '{}') };
    if (wait) {
      request._meta = { 'io.cuga/approvalWaitSeconds': Number(wait) };
    }
    const timeout = (Number(wait ?? 0) + 30) * 1000;
    out = await client.callTool(request, undefined, { timeout });
  } else {
    throw new Error(`unknown command ${command}; use list or call`);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  await transport.terminateSession().catch(() => {});
  await client.close();
} catch (e) {
  process.stdout.write(JSON.stringify({ clientError: String(e?.message ?? e), code: e?.code ?? null }) + '\n');
  await client.close().catch(() => {});
  process.exit(2);
}
