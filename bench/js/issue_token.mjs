// Load driver for `cargo xtask bench-compare`: issues an access token (scope chat) for one
// user CALLS times through the official JavaScript SDK, with a pool of CONCURRENCY promises
// in one Node.js process, and prints one JSON line: calls, seconds, p50_ms, p99_ms.
//
// Environment:
//   ACS_CONNECTION_STRING   `endpoint=http://127.0.0.1:PORT/;accesskey=KEY` (loopback only)
//   ACS_BENCH_USER          raw id of the user to issue tokens for
//   ACS_BENCH_CALLS         number of calls
//   ACS_BENCH_CONCURRENCY   calls in flight at once
//   ACS_CONFORMANCE_JS_DIR  folder whose node_modules holds the SDK

import { createRequire } from "node:module";
import path from "node:path";

function loadSdk() {
  const base = path.join(path.resolve(process.env.ACS_CONFORMANCE_JS_DIR ?? "."), "package.json");
  const requireFromBase = createRequire(base);
  const entry = requireFromBase.resolve("@azure/communication-identity");
  const { CommunicationIdentityClient } = requireFromBase(entry);
  const { AzureKeyCredential } = createRequire(entry)("@azure/core-auth");
  return { CommunicationIdentityClient, AzureKeyCredential };
}

function parseConnectionString(text) {
  const parts = {};
  for (const segment of text.split(";")) {
    const at = segment.indexOf("=");
    if (at > 0) parts[segment.slice(0, at).trim().toLowerCase()] = segment.slice(at + 1).trim();
  }
  return { endpoint: parts.endpoint.replace(/\/+$/, ""), accessKey: parts.accesskey };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const rank = Math.min(Math.max(Math.ceil(p * sorted.length), 1), sorted.length);
  return sorted[rank - 1];
}

async function main() {
  const { CommunicationIdentityClient, AzureKeyCredential } = loadSdk();
  const { endpoint, accessKey } = parseConnectionString(process.env.ACS_CONNECTION_STRING ?? "");
  const user = { communicationUserId: process.env.ACS_BENCH_USER };
  const calls = Number(process.env.ACS_BENCH_CALLS);
  const concurrency = Math.max(1, Number(process.env.ACS_BENCH_CONCURRENCY));
  // The endpoint is plain http on loopback; the SDK refuses that unless told otherwise.
  const client = new CommunicationIdentityClient(endpoint, new AzureKeyCredential(accessKey), {
    allowInsecureConnection: true,
  });

  let remaining = calls;
  const latencies = [];
  async function worker() {
    while (remaining > 0) {
      remaining -= 1;
      const sent = process.hrtime.bigint();
      await client.getToken(user, ["chat"]);
      latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
    }
  }

  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      calls: latencies.length,
      seconds,
      p50_ms: percentile(latencies, 0.5),
      p99_ms: percentile(latencies, 0.99),
    }),
  );
}

main().catch((error) => {
  console.error(`issue_token.mjs: ${error?.message ?? error}`);
  process.exit(1);
});
