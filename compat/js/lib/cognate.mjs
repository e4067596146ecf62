// Helpers shared by the compat tests: start/stop a cognate server and set up
// a user pool, an app client and a confirmed user through the AWS SDK v3.
//
// Kept outside test/ so that `node --test test/` does not run it as a test file.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
  CognitoIdentityProviderClient,
  AdminConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Root of the cognate repository (compat/js/lib -> ../../..). */
export const repoRoot = path.resolve(here, "..", "..", "..");

const READY_RE = /cognate listening on (http:\/\/\S+)/;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_TAIL_BYTES = 16 * 1024;

export function cognateBin() {
  return process.env.COGNATE_BIN || path.join(repoRoot, "target", "release", "cognate");
}

/**
 * Start `cognate serve --listen 127.0.0.1:0 --data-dir <tmp>` and wait for the
 * "cognate listening on http://..." line on stdout.
 *
 * @returns {Promise<{url: string, stop: () => Promise<void>, stderrTail: () => string}>}
 */
export async function startServer() {
  const bin = cognateBin();
  if (!existsSync(bin)) {
    throw new Error(
      `cognate binary not found at ${bin}; build it with 'cargo build --release -p cognate' or set COGNATE_BIN`,
    );
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), "cognate-compat-js-"));
  const child = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: process.env,
  });

  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    if (process.env.COGNATE_SERVER_LOG_STDERR) process.stderr.write(chunk);
    stderr += chunk;
    if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.slice(-STDERR_TAIL_BYTES);
  });

  let exited = false;
  const exitPromise = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });

  let url;
  try {
    url = await new Promise((resolve, reject) => {
      let buf = "";
      const timer = setTimeout(() => {
        reject(
          new Error(
            `cognate did not print its listening line within ${READY_TIMEOUT_MS / 1000}s\n` +
              `stdout so far: ${JSON.stringify(buf)}\nstderr tail:\n${stderr}`,
          ),
        );
      }, READY_TIMEOUT_MS);
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk) => {
        buf += chunk;
        const m = READY_RE.exec(buf);
        if (m) {
          clearTimeout(timer);
          // Keep draining stdout so the child never blocks on a full pipe.
          child.stdout.removeAllListeners("data");
          child.stdout.resume();
          resolve(m[1].replace(/\/+$/, ""));
        }
      });
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`failed to spawn ${bin}: ${err.message}`));
      });
      exitPromise.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          new Error(
            `cognate exited before it was ready (code ${code}, signal ${signal})\nstderr tail:\n${stderr}`,
          ),
        );
      });
    });
  } catch (err) {
    if (!exited) child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  async function stop() {
    if (!exited) {
      child.kill("SIGTERM");
      const timeout = new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS, "timeout"));
      if ((await Promise.race([exitPromise, timeout])) === "timeout") {
        child.kill("SIGKILL");
        await exitPromise;
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  }

  return { url, stop, stderrTail: () => stderr };
}

/** An SDK v3 client pointed at the cognate server, with dummy credentials. */
export function sdkClient(url) {
  return new CognitoIdentityProviderClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}

export const PASSWORD = "Compat-Passw0rd!";

/** client.send(command), with the operation, error name and HTTP status in any error. */
export async function call(client, command) {
  const op = command.constructor.name.replace(/Command$/, "");
  try {
    return await client.send(command);
  } catch (err) {
    const status = err?.$metadata?.httpStatusCode;
    const wrapped = new Error(`${op} failed: ${err?.name}: ${err?.message} (HTTP ${status})`, {
      cause: err,
    });
    throw wrapped;
  }
}

/**
 * A pool (CreateUserPool with `poolSettings`), an app client that allows SRP
 * and refresh, and one user signed up and confirmed with PASSWORD.
 * Returns `{ poolId, clientId }`.
 */
export async function srpPoolWithUser(client, { prefix, poolSettings = {}, username, email }) {
  const pool = await call(
    client,
    new CreateUserPoolCommand({ PoolName: `${prefix}-${Date.now()}`, ...poolSettings }),
  );
  const poolId = pool.UserPool.Id;
  const appClient = await call(
    client,
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: `${prefix}-client`,
      GenerateSecret: false,
      ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    }),
  );
  const clientId = appClient.UserPoolClient.ClientId;
  await call(
    client,
    new SignUpCommand({
      ClientId: clientId,
      Username: username,
      Password: PASSWORD,
      UserAttributes: [{ Name: "email", Value: email }],
    }),
  );
  await call(client, new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: username }));
  return { poolId, clientId };
}

/**
 * CreateUserPool, CreateUserPoolClient, SignUp, AdminConfirmSignUp and
 * InitiateAuth(USER_PASSWORD_AUTH). Returns the ids and the AuthenticationResult.
 */
export async function setUpPoolAndSignIn(client, url, { poolName, username, email }) {
  const pool = await call(client, new CreateUserPoolCommand({ PoolName: poolName }));
  const poolId = pool.UserPool?.Id;
  if (!poolId) throw new Error(`CreateUserPool returned no UserPool.Id: ${JSON.stringify(pool)}`);

  const appClient = await call(
    client,
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: `${poolName}-client`,
      GenerateSecret: false,
      ExplicitAuthFlows: [
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
      ],
    }),
  );
  const clientId = appClient.UserPoolClient?.ClientId;
  if (!clientId) {
    throw new Error(`CreateUserPoolClient returned no ClientId: ${JSON.stringify(appClient)}`);
  }

  const signUp = await call(
    client,
    new SignUpCommand({
      ClientId: clientId,
      Username: username,
      Password: PASSWORD,
      UserAttributes: [{ Name: "email", Value: email }],
    }),
  );

  await call(client, new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: username }));

  const auth = await call(
    client,
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: username, PASSWORD: PASSWORD },
    }),
  );
  const tokens = auth.AuthenticationResult;
  if (!tokens?.IdToken || !tokens?.AccessToken) {
    throw new Error(`InitiateAuth returned no tokens: ${JSON.stringify(auth)}`);
  }

  const issuer = `${url}/${poolId}`;
  return {
    poolId,
    clientId,
    userSub: signUp.UserSub,
    username,
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    idToken: tokens.IdToken,
    accessToken: tokens.AccessToken,
    refreshToken: tokens.RefreshToken,
  };
}

/** Decode a JWT segment (base64url JSON) without verifying anything. */
export function decodeSegment(segment) {
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
}

export function encodeSegment(obj) {
  return Buffer.from(JSON.stringify(obj), "utf8").toString("base64url");
}
