// Conformance run of the official JavaScript ACS Identity SDK (@azure/communication-identity)
// against an Identity endpoint, normally the project's emulator.
//
// It calls every method of CommunicationIdentityClient, once with a client built from the
// connection string, once with a client built from (endpoint, AzureKeyCredential) and, when
// it is given a bearer token the service accepts, once with a client built from (endpoint,
// TokenCredential), and checks the values and the errors that the live service is known to
// give.
//
// Environment:
//   ACS_CONNECTION_STRING   `endpoint=...;accesskey=...` of the service under test (required)
//   ACS_CONFORMANCE_ENTRA_TOKEN_FILE
//                           file holding an Entra token the service accepts as a bearer
//                           credential (the emulator's `--entra-token-out`); without it the
//                           token-credential cases that need one are skipped
//   ACS_CONFORMANCE_JS_DIR  folder whose node_modules holds the SDK (default: this folder)
//   ACS_CONFORMANCE_FILTER  run only the cases whose name contains this text
//   ACS_CONFORMANCE_VERBOSE `1` shows the requests and responses of passing cases too
//   NODE_EXTRA_CA_CERTS     (read by Node.js itself) PEM file of the CA behind an https
//                           emulator's certificate
//
// Output: `ok <case>`, `skip <case>: <why>` or `FAIL <case>: <why>` per case (a failure is followed by indented
// lines with the requests and responses of that case, tokens masked), then one line
// `N passed, M failed`. The exit code is 1 when a case failed.
//
// `cargo xtask conformance` installs the SDK and starts the emulator before running this.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** Each call is cut off after this long so that a hung request is one failed case. */
const CALL_TIMEOUT_MS = 10_000;

/** How far `expiresOn` may sit from `now + lifetime`. */
const LIFETIME_TOLERANCE_MS = 60_000;

/** A user of some other resource: the service refuses it with 401. */
const FOREIGN_USER_ID =
  "8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000";

/** The scope a TokenCredential is asked for by the Communication SDKs. */
const BEARER_SCOPE = "https://communication.azure.com//.default";

/** The live service's message for a Teams token it does not accept. */
const INVALID_TOKEN = "Provided access token is not valid.";

/** The live service's message for a token lifetime outside [60, 1440] minutes. */
function lifetimeMessage(minutes) {
  return `ExpiresInMinutes value ${minutes} is invalid. Value must be within the [60, 1440] interval.`;
}

const SCOPE_SETS = [
  ["chat"],
  ["voip"],
  ["chat.join"],
  ["chat.join.limited"],
  ["voip.join"],
  ["chat", "voip"],
  ["chat.join", "voip.join"],
];

/** A failed expectation; its message is the `<why>` of the FAIL line. */
class CheckError extends Error {}

function check(condition, why) {
  if (!condition) {
    throw new CheckError(why);
  }
}

// ---------------------------------------------------------------------------------------
// Reporting

let passed = 0;
let failed = 0;

/** What a case body returns when it printed its own `skip` line. */
const SKIPPED = Symbol("skipped");

/** Raw responses seen by the SDK during the current case, for the failure report. */
let exchanges = [];

const filter = process.env.ACS_CONFORMANCE_FILTER ?? "";
const verbose = process.env.ACS_CONFORMANCE_VERBOSE === "1";

async function runCase(name, body, { always = false } = {}) {
  if (!always && filter && !name.includes(filter)) {
    return;
  }
  exchanges = [];
  try {
    if ((await body()) === SKIPPED) {
      return;
    }
    passed += 1;
    console.log(`ok ${name}`);
    if (verbose) {
      for (const line of exchangeLines(undefined)) {
        console.log(`    ${line}`);
      }
    }
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${oneLine(describeError(error))}`);
    for (const line of exchangeLines(error)) {
      console.log(`    ${line}`);
    }
  }
}

function oneLine(text) {
  return String(text).replace(/\s*\n\s*/g, " ");
}

function describeError(error) {
  if (error instanceof CheckError) {
    return error.message;
  }
  if (error?.name === "RestError") {
    return `unexpected RestError ${describeRestError(error)}`;
  }
  if (error?.name === "AbortError") {
    return `no response within ${CALL_TIMEOUT_MS} ms`;
  }
  return `unexpected ${error?.name ?? "error"}: ${error?.message ?? String(error)}`;
}

function describeRestError(error) {
  const status = error.statusCode ?? "(no status)";
  const code = error.code ?? "(no code)";
  return `${status} ${code}: ${error.message}`;
}

/** The requests and responses of the current case, with every token masked. */
function exchangeLines(error) {
  const responses = [...exchanges];
  if (error?.response && !responses.includes(error.response)) {
    responses.push(error.response);
  }
  const lines = [];
  for (const response of responses) {
    const request = response.request;
    if (request) {
      const url = new URL(request.url);
      const body = typeof request.body === "string" ? ` ${mask(request.body)}` : "";
      lines.push(`> ${request.method} ${url.pathname}${url.search}${body}`);
    }
    const errorCode = response.headers?.get?.("x-ms-error-code");
    const header = errorCode ? ` [x-ms-error-code: ${errorCode}]` : "";
    lines.push(`< ${response.status}${header} ${mask(response.bodyAsText ?? "")}`);
  }
  return lines;
}

function mask(text) {
  const masked = text.replace(/("token"\s*:\s*")[^"]{20,}"/g, '$1***"');
  return masked.length > 600 ? `${masked.slice(0, 600)}...` : masked;
}

// ---------------------------------------------------------------------------------------
// Loading the SDK and building the clients

function loadSdk() {
  const base = process.env.ACS_CONFORMANCE_JS_DIR
    ? path.join(path.resolve(process.env.ACS_CONFORMANCE_JS_DIR), "package.json")
    : import.meta.url;
  const requireFromBase = createRequire(base);
  const entry = requireFromBase.resolve("@azure/communication-identity");
  const { CommunicationIdentityClient } = requireFromBase(entry);

  // The key credential comes from the SDK's own dependency, wherever npm placed it.
  const requireFromSdk = createRequire(entry);
  const { AzureKeyCredential } = requireFromSdk("@azure/core-auth");
  return { CommunicationIdentityClient, AzureKeyCredential, version: packageVersion(entry) };
}

function packageVersion(entry) {
  const requireFromSdk = createRequire(entry);
  let folder = path.dirname(entry);
  while (folder !== path.dirname(folder)) {
    try {
      const manifest = requireFromSdk(path.join(folder, "package.json"));
      if (manifest.name === "@azure/communication-identity") {
        return manifest.version;
      }
    } catch {
      // No manifest at this level; look one folder up.
    }
    folder = path.dirname(folder);
  }
  return "unknown";
}

/** Splits `endpoint=...;accesskey=...` the way the SDKs read it. */
function parseConnectionString(connectionString) {
  const parts = {};
  for (const segment of connectionString.split(";")) {
    const split = segment.indexOf("=");
    if (split > 0) {
      parts[segment.slice(0, split).trim().toLowerCase()] = segment.slice(split + 1).trim();
    }
  }
  if (!parts.endpoint || !parts.accesskey) {
    throw new Error("ACS_CONNECTION_STRING needs both endpoint= and accesskey=");
  }
  return { endpoint: parts.endpoint, accessKey: parts.accesskey };
}

/** Wraps a client so that every method called through it is recorded in `called`. */
function recording(client, called) {
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") {
        return value;
      }
      return (...args) => {
        called.add(property);
        return value.apply(target, args);
      };
    },
  });
}

/** Operation options for one SDK call: a timeout and a hook that keeps the raw response. */
function options(extra = {}) {
  return {
    ...extra,
    abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    onResponse: (rawResponse) => exchanges.push(rawResponse),
  };
}

// ---------------------------------------------------------------------------------------
// Value checks

function decodeJwtPart(part, what) {
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    check(value !== null && typeof value === "object", `${what} is not a JSON object`);
    return value;
  } catch (error) {
    if (error instanceof CheckError) {
      throw error;
    }
    throw new CheckError(`${what} is not base64url JSON`);
  }
}

function checkUserId(id, what) {
  check(typeof id === "string", `${what} is ${typeof id}, expected a string`);
  check(id.startsWith("8:acs:"), `${what} ${JSON.stringify(id)} does not start with 8:acs:`);
}

/**
 * Checks a `{token, expiresOn}` result: a JWT whose `exp` is `expiresOn` to the second, and
 * (when `minutes` is given) an expiry about `minutes` after the call.
 */
function checkAccessToken(result, { minutes, before, after }) {
  check(result && typeof result === "object", "no access token in the result");
  check(typeof result.token === "string" && result.token.length > 0, "token is not a string");
  check(
    result.expiresOn instanceof Date && !Number.isNaN(result.expiresOn.getTime()),
    `expiresOn is not a valid Date (${String(result.expiresOn)})`,
  );

  const parts = result.token.split(".");
  check(parts.length === 3, `token has ${parts.length} dot-separated parts, a JWT has 3`);
  decodeJwtPart(parts[0], "JWT header");
  const payload = decodeJwtPart(parts[1], "JWT payload");
  check(typeof payload.exp === "number", "JWT payload has no numeric exp");
  const expiresOnSeconds = result.expiresOn.getTime() / 1000;
  check(
    Math.abs(payload.exp - expiresOnSeconds) < 1,
    `JWT exp ${payload.exp} differs from expiresOn ${result.expiresOn.toISOString()}`,
  );

  if (minutes !== undefined) {
    const lifetime = minutes * 60_000;
    const earliest = before + lifetime - LIFETIME_TOLERANCE_MS;
    const latest = after + lifetime + LIFETIME_TOLERANCE_MS;
    const at = result.expiresOn.getTime();
    check(
      at >= earliest && at <= latest,
      `expiresOn ${result.expiresOn.toISOString()} is not about now + ${minutes} min ` +
        `(expected ${new Date(before + lifetime).toISOString()})`,
    );
  }
  return payload;
}

/**
 * Runs `call`, which must fail with a RestError of `status`, and of `code` and `message` when
 * given (the live service's own values, where they are known).
 */
async function expectRestError(call, { status, code, message }) {
  let result;
  try {
    result = await call();
  } catch (error) {
    if (error instanceof CheckError) {
      throw error;
    }
    check(
      error?.name === "RestError",
      `expected RestError ${status}, got ${error?.name}: ${error?.message}`,
    );
    const wanted = code ? `${status} ${code}` : `${status}`;
    check(error.statusCode === status, `expected ${wanted}, got ${describeRestError(error)}`);
    if (code) {
      check(error.code === code, `expected ${wanted}, got ${describeRestError(error)}`);
    } else {
      check(
        typeof error.code === "string" && error.code !== "" && error.code !== "PARSE_ERROR",
        `status ${status} as expected, but the body has no {"error":{"code":...}} envelope ` +
          `(code ${error.code ?? "(none)"})`,
      );
    }
    if (message !== undefined) {
      check(
        error.message === message,
        `${wanted} as expected, but the message is ${JSON.stringify(error.message)}, ` +
          `the service says ${JSON.stringify(message)}`,
      );
    }
    return error;
  }
  throw new CheckError(
    `expected ${status}${code ? ` ${code}` : ""}, but the call succeeded` +
      (result === undefined ? "" : ` with ${mask(JSON.stringify(result))}`),
  );
}

// ---------------------------------------------------------------------------------------
// Entra-like tokens for the Teams exchange (the service under test checks claims only)

function base64UrlJson(value) {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function entraToken({ appId, userId, tenantId, expiresAt }) {
  const issuedAt = Math.min(Math.floor(Date.now() / 1000), expiresAt - 3600) - 60;
  const header = { typ: "JWT", alg: "RS256", kid: "conformance-test-key" };
  const payload = {
    aud: "https://auth.msft.communication.azure.com",
    iss: `https://sts.windows.net/${tenantId}/`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: expiresAt,
    appid: appId,
    oid: userId,
    tid: tenantId,
    scp: "Teams.ManageCalls Teams.ManageChats",
    ver: "1.0",
  };
  const signature = Buffer.from("conformance run: not a real signature").toString("base64url");
  return `${base64UrlJson(header)}.${base64UrlJson(payload)}.${signature}`;
}

/** A valid-looking Teams user: its Entra token, client id and object id. */
function teamsUser({ expiresInSeconds = 3600 } = {}) {
  const appId = randomUUID();
  const userId = randomUUID();
  const expiresAt = Math.floor(Date.now() / 1000) + expiresInSeconds;
  const token = entraToken({ appId, userId, tenantId: randomUUID(), expiresAt });
  return { token, appId, userId, expiresAt };
}

// ---------------------------------------------------------------------------------------
// The cases, run once per way of building the client

async function runSuite(label, client) {
  const name = (text) => `[${label}] ${text}`;
  const foreignUser = { communicationUserId: FOREIGN_USER_ID };

  // createUser

  await runCase(name("createUser returns an 8:acs: id"), async () => {
    const user = await client.createUser(options());
    checkUserId(user?.communicationUserId, "communicationUserId");
  });

  await runCase(name("createUser returns a new id each time"), async () => {
    const first = await client.createUser(options());
    const second = await client.createUser(options());
    check(
      first.communicationUserId !== second.communicationUserId,
      `two users share the id ${first.communicationUserId}`,
    );
  });

  // createUserAndToken

  for (const minutes of [undefined, 60, 1440]) {
    const lifetime = minutes === undefined ? "default lifetime (1440 min)" : `${minutes} min`;
    await runCase(name(`createUserAndToken [chat, voip] ${lifetime}`), async () => {
      const before = Date.now();
      const result = await client.createUserAndToken(
        ["chat", "voip"],
        options(minutes === undefined ? {} : { tokenExpiresInMinutes: minutes }),
      );
      const after = Date.now();
      checkUserId(result?.user?.communicationUserId, "user.communicationUserId");
      checkAccessToken(result, { minutes: minutes ?? 1440, before, after });
    });
  }

  await runCase(name("createUserAndToken user can be issued another token"), async () => {
    const result = await client.createUserAndToken(["chat"], options());
    const before = Date.now();
    const token = await client.getToken(result.user, ["voip"], options());
    checkAccessToken(token, { minutes: 1440, before, after: Date.now() });
  });

  for (const minutes of [59, 1441]) {
    await runCase(
      name(`createUserAndToken tokenExpiresInMinutes ${minutes} -> 400 ValidationError`),
      async () => {
        await expectRestError(
          () => client.createUserAndToken(["chat"], options({ tokenExpiresInMinutes: minutes })),
          { status: 400, code: "ValidationError", message: lifetimeMessage(minutes) },
        );
      },
    );
  }

  // getToken

  for (const scopes of SCOPE_SETS) {
    for (const minutes of [undefined, 60, 1440]) {
      const lifetime = minutes === undefined ? "default lifetime" : `${minutes} min`;
      await runCase(name(`getToken [${scopes.join(", ")}] ${lifetime}`), async () => {
        const user = await client.createUser(options());
        const before = Date.now();
        const token = await client.getToken(
          user,
          scopes,
          options(minutes === undefined ? {} : { tokenExpiresInMinutes: minutes }),
        );
        checkAccessToken(token, { minutes: minutes ?? 1440, before, after: Date.now() });
      });
    }
  }

  await runCase(name("getToken twice gives two valid tokens"), async () => {
    const user = await client.createUser(options());
    const first = await client.getToken(user, ["chat"], options());
    const second = await client.getToken(user, ["chat"], options());
    checkAccessToken(first, {});
    checkAccessToken(second, {});
  });

  await runCase(name("getToken with empty scopes -> 400 ValidationError"), async () => {
    const user = await client.createUser(options());
    await expectRestError(() => client.getToken(user, [], options()), {
      status: 400,
      code: "ValidationError",
      message: "Invalid scopes - Scopes field is required.",
    });
  });

  for (const minutes of [59, 1441]) {
    await runCase(
      name(`getToken tokenExpiresInMinutes ${minutes} -> 400 ValidationError`),
      async () => {
        const user = await client.createUser(options());
        await expectRestError(
          () => client.getToken(user, ["chat"], options({ tokenExpiresInMinutes: minutes })),
          { status: 400, code: "ValidationError", message: lifetimeMessage(minutes) },
        );
      },
    );
  }

  await runCase(name("getToken for a user of another resource -> 401"), async () => {
    await expectRestError(() => client.getToken(foreignUser, ["chat"], options()), {
      status: 401,
    });
  });

  // revokeTokens

  await runCase(name("revokeTokens for a user with tokens"), async () => {
    const user = await client.createUser(options());
    await client.getToken(user, ["chat"], options());
    const result = await client.revokeTokens(user, options());
    check(result === undefined, `revokeTokens returned ${JSON.stringify(result)}`);
  });

  await runCase(name("revokeTokens for a user without tokens"), async () => {
    const user = await client.createUser(options());
    await client.revokeTokens(user, options());
  });

  await runCase(name("getToken after revokeTokens issues a new token"), async () => {
    const user = await client.createUser(options());
    await client.getToken(user, ["chat"], options());
    await client.revokeTokens(user, options());
    const before = Date.now();
    const token = await client.getToken(user, ["voip"], options());
    checkAccessToken(token, { minutes: 1440, before, after: Date.now() });
  });

  await runCase(name("revokeTokens for a user of another resource -> 401"), async () => {
    await expectRestError(() => client.revokeTokens(foreignUser, options()), { status: 401 });
  });

  // deleteUser

  await runCase(name("deleteUser"), async () => {
    const user = await client.createUser(options());
    const result = await client.deleteUser(user, options());
    check(result === undefined, `deleteUser returned ${JSON.stringify(result)}`);
  });

  await runCase(name("deleteUser for a user with tokens"), async () => {
    const { user } = await client.createUserAndToken(["chat", "voip"], options());
    await client.deleteUser(user, options());
  });

  await runCase(name("deleteUser for a user of another resource -> 401"), async () => {
    await expectRestError(() => client.deleteUser(foreignUser, options()), { status: 401 });
  });

  const onDeletedUser = {
    getToken: (user) => client.getToken(user, ["chat"], options()),
    revokeTokens: (user) => client.revokeTokens(user, options()),
    deleteUser: (user) => client.deleteUser(user, options()),
  };
  for (const [method, call] of Object.entries(onDeletedUser)) {
    await runCase(name(`${method} for a deleted user -> 404`), async () => {
      const user = await client.createUser(options());
      await client.deleteUser(user, options());
      await expectRestError(() => call(user), { status: 404 });
    });
  }

  // getTokenForTeamsUser

  await runCase(name("getTokenForTeamsUser with a valid Entra token"), async () => {
    const teams = teamsUser();
    const token = await client.getTokenForTeamsUser(
      options({ teamsUserAadToken: teams.token, clientId: teams.appId, userObjectId: teams.userId }),
    );
    checkAccessToken(token, {});
    check(token.expiresOn.getTime() > Date.now(), "the token has already expired");
  });

  await runCase(name("getTokenForTeamsUser expiresOn matches the Entra token's exp"), async () => {
    const teams = teamsUser({ expiresInSeconds: 5400 });
    const token = await client.getTokenForTeamsUser(
      options({ teamsUserAadToken: teams.token, clientId: teams.appId, userObjectId: teams.userId }),
    );
    const expected = new Date(teams.expiresAt * 1000);
    check(
      Math.abs(token.expiresOn.getTime() - expected.getTime()) < 1000,
      `expiresOn ${token.expiresOn.toISOString()}, expected ${expected.toISOString()}`,
    );
  });

  const teamsErrors = [
    {
      what: "empty token -> 401 InvalidAccessToken",
      request: (t) => ({ ...t, teamsUserAadToken: "" }),
      status: 401,
      code: "InvalidAccessToken",
      message: INVALID_TOKEN,
    },
    {
      what: "invalid token -> 401 InvalidAccessToken",
      request: (t) => ({ ...t, teamsUserAadToken: "invalid" }),
      status: 401,
      code: "InvalidAccessToken",
      message: INVALID_TOKEN,
    },
    {
      what: "expired token -> 401 InvalidAccessToken",
      request: (t) => {
        const expired = teamsUser({ expiresInSeconds: -3600 });
        return {
          ...t,
          teamsUserAadToken: expired.token,
          clientId: expired.appId,
          userObjectId: expired.userId,
        };
      },
      status: 401,
      code: "InvalidAccessToken",
      message: INVALID_TOKEN,
    },
    {
      what: "empty token and empty userObjectId -> 401 InvalidAccessToken",
      request: (t) => ({ ...t, teamsUserAadToken: "", userObjectId: "" }),
      status: 401,
      code: "InvalidAccessToken",
      message: INVALID_TOKEN,
    },
    {
      what: "wrong clientId -> 400 ValidationError",
      request: (t) => ({ ...t, clientId: randomUUID() }),
      status: 400,
      code: "ValidationError",
      message: "AAD application is not the expected one.",
    },
    {
      what: "invalid clientId -> 400 ValidationError",
      request: (t) => ({ ...t, clientId: "invalid" }),
      status: 400,
      code: "ValidationError",
      message: "Provided AppId has invalid format.",
    },
    {
      what: "empty clientId -> 400 ValidationError",
      request: (t) => ({ ...t, clientId: "" }),
      status: 400,
      code: "ValidationError",
      message: "AppId: The AppId field is required.",
    },
    {
      what: "wrong userObjectId -> 400 ValidationError",
      request: (t) => ({ ...t, userObjectId: randomUUID() }),
      status: 400,
      code: "ValidationError",
      message: "Provided AAD token issued for unexpected user.",
    },
    {
      what: "invalid userObjectId -> 400 ValidationError",
      request: (t) => ({ ...t, userObjectId: "invalid" }),
      status: 400,
      code: "ValidationError",
      message: "Provided UserId has invalid format.",
    },
    {
      what: "empty userObjectId -> 400 ValidationError",
      request: (t) => ({ ...t, userObjectId: "" }),
      status: 400,
      code: "ValidationError",
    },
  ];
  for (const { what, request, status, code, message } of teamsErrors) {
    await runCase(name(`getTokenForTeamsUser with ${what}`), async () => {
      const teams = teamsUser();
      const valid = {
        teamsUserAadToken: teams.token,
        clientId: teams.appId,
        userObjectId: teams.userId,
      };
      await expectRestError(() => client.getTokenForTeamsUser(options(request(valid))), {
        status,
        code,
        message,
      });
    });
  }
}

/**
 * A TokenCredential as the Azure SDKs take it: `getToken(scopes, options)` resolving to
 * `{ token, expiresOnTimestamp }`. It hands out `token` and notes every scope it is asked for.
 */
function fixedCredential(token, expiresOnTimestamp) {
  const requested = [];
  return {
    requested,
    async getToken(scopes) {
      requested.push(...(Array.isArray(scopes) ? scopes : [scopes]));
      return { token, expiresOnTimestamp };
    },
  };
}

/** The bearer token in the file the run names, with its expiry in ms since the epoch. */
function readEntraToken(file) {
  const token = readFileSync(file, "utf8").trim();
  const parts = token.split(".");
  check(parts.length === 3, `${file} does not hold a JWT`);
  const { exp } = decodeJwtPart(parts[1], `the payload of the token in ${file}`);
  check(typeof exp === "number", `the token in ${file} has no numeric exp`);
  return { token, expiresOnTimestamp: exp * 1000 };
}

/** `token` with the first character of its signature replaced by another one. */
function tamperedSignature(token) {
  const split = token.lastIndexOf(".") + 1;
  const other = token[split] === "A" ? "B" : "A";
  return `${token.slice(0, split)}${other}${token.slice(split + 1)}`;
}

/**
 * Clients built on a TokenCredential. The SDK must ask it for the Communication scope and
 * send the token as a bearer, which it does over https only. A token the service did not
 * issue, or one changed in its signature, gets 401; with the token from
 * ACS_CONFORMANCE_ENTRA_TOKEN_FILE every operation succeeds (the whole suite runs on it).
 */
async function runTokenCredentialCases(
  CommunicationIdentityClient,
  endpoint,
  clientOptions,
  called,
) {
  const https = new URL(endpoint).protocol === "https:";
  const tokenFile = process.env.ACS_CONFORMANCE_ENTRA_TOKEN_FILE ?? "";
  const unavailable = !https
    ? "bearer tokens need an https endpoint"
    : tokenFile === ""
      ? "ACS_CONFORMANCE_ENTRA_TOKEN_FILE is not set"
      : undefined;
  const skip = (caseName) => {
    console.log(`skip ${caseName}: ${unavailable}`);
    return SKIPPED;
  };

  const foreignName = "[token credential] a bearer token the service did not issue -> 401";
  await runCase(foreignName, async () => {
    if (!https) {
      return skip(foreignName);
    }
    const expiresOnTimestamp = Date.now() + 3_600_000;
    const header = base64UrlJson({ typ: "JWT", alg: "RS256" });
    const payload = base64UrlJson({
      aud: "https://communication.azure.com",
      exp: Math.floor(expiresOnTimestamp / 1000),
    });
    const credential = fixedCredential(`${header}.${payload}.bm90LXNpZ25lZA`, expiresOnTimestamp);
    const client = new CommunicationIdentityClient(endpoint, credential, clientOptions);
    await expectRestError(() => client.createUser(options()), { status: 401 });
    check(
      credential.requested.length === 1 && credential.requested[0] === BEARER_SCOPE,
      `the credential was asked for ${JSON.stringify(credential.requested)}, ` +
        `expected ["${BEARER_SCOPE}"]`,
    );
  });

  const constructName = "[token credential] construct CommunicationIdentityClient";
  let entra;
  let client;
  await runCase(
    constructName,
    async () => {
      if (unavailable) {
        return skip(constructName);
      }
      entra = readEntraToken(tokenFile);
      const credential = fixedCredential(entra.token, entra.expiresOnTimestamp);
      client = recording(
        new CommunicationIdentityClient(endpoint, credential, clientOptions),
        called,
      );
    },
    { always: true },
  );
  if (!client) {
    return;
  }

  const scopeName = "[token credential] the credential is asked for the Communication scope";
  await runCase(scopeName, async () => {
    const credential = fixedCredential(entra.token, entra.expiresOnTimestamp);
    const fresh = new CommunicationIdentityClient(endpoint, credential, clientOptions);
    const user = await fresh.createUser(options());
    checkUserId(user?.communicationUserId, "communicationUserId");
    check(
      credential.requested.length === 1 && credential.requested[0] === BEARER_SCOPE,
      `the credential was asked for ${JSON.stringify(credential.requested)}, ` +
        `expected ["${BEARER_SCOPE}"]`,
    );
  });

  await runSuite("token credential", client);

  await runCase("[token credential] a token changed in its signature -> 401", async () => {
    const user = await client.createUser(options());
    const credential = fixedCredential(tamperedSignature(entra.token), entra.expiresOnTimestamp);
    const tampered = new CommunicationIdentityClient(endpoint, credential, clientOptions);
    await expectRestError(() => tampered.createUser(options()), { status: 401 });
    await expectRestError(() => tampered.getToken(user, ["chat"], options()), { status: 401 });
  });
}

// ---------------------------------------------------------------------------------------

async function main() {
  let sdk;
  let connection;
  try {
    const connectionString = process.env.ACS_CONNECTION_STRING;
    if (!connectionString) {
      throw new Error("ACS_CONNECTION_STRING is not set");
    }
    connection = { connectionString, ...parseConnectionString(connectionString) };
    sdk = loadSdk();
  } catch (error) {
    console.log(`FAIL setup: ${oneLine(error.message)}`);
    console.log("0 passed, 1 failed");
    process.exitCode = 1;
    return;
  }
  console.log(`# @azure/communication-identity ${sdk.version} against ${connection.endpoint}`);

  // Retries are off so that a failure shows the first response, not the last of four. The
  // pipeline refuses plain http unless told otherwise; the emulator serves https (its CA
  // trusted through NODE_EXTRA_CA_CERTS) unless the run asked for plain http.
  const clientOptions = {
    retryOptions: { maxRetries: 0 },
    allowInsecureConnection: new URL(connection.endpoint).protocol === "http:",
  };
  const { CommunicationIdentityClient, AzureKeyCredential } = sdk;
  const called = new Set();
  const clients = [
    [
      "connection string",
      () => new CommunicationIdentityClient(connection.connectionString, clientOptions),
    ],
    [
      "key credential",
      () =>
        new CommunicationIdentityClient(
          connection.endpoint,
          new AzureKeyCredential(connection.accessKey),
          clientOptions,
        ),
    ],
  ];
  for (const [label, build] of clients) {
    let client;
    await runCase(
      `[${label}] construct CommunicationIdentityClient`,
      async () => {
        client = recording(build(), called);
      },
      { always: true },
    );
    if (client) {
      await runSuite(label, client);
    }
  }

  await runTokenCredentialCases(
    CommunicationIdentityClient,
    connection.endpoint,
    clientOptions,
    called,
  );

  if (!filter) {
    await runCase("every CommunicationIdentityClient method was called", async () => {
      const methods = Object.getOwnPropertyNames(CommunicationIdentityClient.prototype).filter(
        (method) =>
          method !== "constructor" &&
          typeof CommunicationIdentityClient.prototype[method] === "function",
      );
      const missed = methods.filter((method) => !called.has(method));
      check(missed.length === 0, `never called: ${missed.join(", ")}`);
    });
  }

  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
