// TOTP (SOFTWARE_TOKEN_MFA) sign-in as amazon-cognito-identity-js performs it:
// the user registers an authenticator through the SDK v3 (AssociateSoftwareToken,
// VerifySoftwareToken, SetUserMFAPreference), then authenticateUser answers
// the SRP challenge, gets `totpRequired`, and sends the code with sendMFACode.
//
// A code is accepted once per 30-second step, so a sign-in after enrolment
// waits (real time) for the step after the one the enrolment code used.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

import cognitoIdentity from "amazon-cognito-identity-js";
import {
  AdminConfirmSignUpCommand,
  AssociateSoftwareTokenCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SetUserMFAPreferenceCommand,
  SetUserPoolMfaConfigCommand,
  SignUpCommand,
  VerifySoftwareTokenCommand,
} from "@aws-sdk/client-cognito-identity-provider";

import { PASSWORD, call, sdkClient, startServer } from "../lib/cognate.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognitoIdentity;

const STEP_MS = 30_000;
const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

let server;
let client;
/** One pool with MfaConfiguration OPTIONAL and software tokens enabled. */
let ids;

before(async () => {
  server = await startServer();
  client = sdkClient(server.url);
  ids = await totpPool();
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

/** Decode RFC 4648 base32 (the form AssociateSoftwareToken returns the secret in). */
function base32Decode(text) {
  const clean = text.replace(/=+$/, "").toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const index = BASE32_ALPHABET.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${JSON.stringify(text)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The 30-second step a time (ms since the epoch) falls in. */
function stepAt(ms) {
  return Math.floor(ms / STEP_MS);
}

/** RFC 6238 TOTP: HMAC-SHA1, six digits, for `step` under the base32 `secret`. */
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}

/** Wait until the clock has moved past `step`; returns the new current step. */
async function waitForStepAfter(step) {
  const wait = (step + 1) * STEP_MS - Date.now();
  if (wait > 0) await sleep(wait + 50);
  return stepAt(Date.now());
}

/** A pool with TOTP MFA optional and an app client allowing SRP and password sign-in. */
async function totpPool() {
  const pool = await call(client, new CreateUserPoolCommand({ PoolName: `totp-${Date.now()}` }));
  const poolId = pool.UserPool.Id;
  await call(
    client,
    new SetUserPoolMfaConfigCommand({
      UserPoolId: poolId,
      MfaConfiguration: "OPTIONAL",
      SoftwareTokenMfaConfiguration: { Enabled: true },
    }),
  );
  const appClient = await call(
    client,
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: "totp-client",
      GenerateSecret: false,
      ExplicitAuthFlows: [
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
      ],
    }),
  );
  return { poolId, clientId: appClient.UserPoolClient.ClientId };
}

/**
 * A confirmed user with a verified authenticator preferred for MFA.
 * Returns the base32 secret and the step the enrolment code was used in.
 */
async function totpUser(username) {
  await call(
    client,
    new SignUpCommand({
      ClientId: ids.clientId,
      Username: username,
      Password: PASSWORD,
      UserAttributes: [{ Name: "email", Value: `${username}@example.com` }],
    }),
  );
  await call(client, new AdminConfirmSignUpCommand({ UserPoolId: ids.poolId, Username: username }));
  // No MFA is set up for the user yet, so an OPTIONAL pool signs them straight in.
  const auth = await call(
    client,
    new InitiateAuthCommand({
      ClientId: ids.clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: username, PASSWORD: PASSWORD },
    }),
  );
  const accessToken = auth.AuthenticationResult.AccessToken;

  const associated = await call(
    client,
    new AssociateSoftwareTokenCommand({ AccessToken: accessToken }),
  );
  const secret = associated.SecretCode;
  assert.match(secret, /^[A-Z2-7]+=*$/);

  const step = stepAt(Date.now());
  const verified = await call(
    client,
    new VerifySoftwareTokenCommand({
      AccessToken: accessToken,
      UserCode: totp(secret, step),
      FriendlyDeviceName: "compat",
    }),
  );
  assert.equal(verified.Status, "SUCCESS");

  await call(
    client,
    new SetUserMFAPreferenceCommand({
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    }),
  );
  return { secret, step };
}

/**
 * authenticateUser until the `totpRequired` callback; resolves with the user
 * (to answer the challenge on) and the challenge name.
 */
function authenticateUntilTotp(username) {
  const userPool = new CognitoUserPool({
    UserPoolId: ids.poolId,
    ClientId: ids.clientId,
    endpoint: server.url,
  });
  const user = new CognitoUser({ Username: username, Pool: userPool });
  const details = new AuthenticationDetails({ Username: username, Password: PASSWORD });
  return new Promise((resolve, reject) => {
    user.authenticateUser(details, {
      onSuccess: () => reject(new Error("signed in without the TOTP challenge")),
      onFailure: reject,
      mfaRequired: () => reject(new Error("unexpected SMS_MFA challenge")),
      mfaSetup: () => reject(new Error("unexpected MFA_SETUP challenge")),
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
      totpRequired: (challengeName) => resolve({ user, challengeName }),
    });
  });
}

/** user.sendMFACode(code, ..., "SOFTWARE_TOKEN_MFA") as a promise. */
function sendTotpCode(user, code) {
  return new Promise((resolve, reject) => {
    user.sendMFACode(code, { onSuccess: resolve, onFailure: reject }, "SOFTWARE_TOKEN_MFA");
  });
}

/** A six-digit code that none of the steps around `step` would accept. */
function wrongCode(secret, step) {
  const valid = new Set([step - 1, step, step + 1, step + 2].map((s) => totp(secret, s)));
  let n = (Number(totp(secret, step)) + 500_000) % 1_000_000;
  while (valid.has(String(n).padStart(6, "0"))) n = (n + 1) % 1_000_000;
  return String(n).padStart(6, "0");
}

test("authenticateUser for a TOTP user fires totpRequired and a wrong code is CodeMismatchException", async () => {
  const { secret } = await totpUser("erin");
  const { user, challengeName } = await authenticateUntilTotp("erin");
  assert.equal(challengeName, "SOFTWARE_TOKEN_MFA");
  await assert.rejects(sendTotpCode(user, wrongCode(secret, stepAt(Date.now()))), (err) => {
    assert.equal(err.code ?? err.name, "CodeMismatchException", `got ${err?.stack ?? err}`);
    return true;
  });
});

test("authenticateUser for a TOTP user with the current code returns tokens", async () => {
  const { secret, step } = await totpUser("frank");
  const { user, challengeName } = await authenticateUntilTotp("frank");
  assert.equal(challengeName, "SOFTWARE_TOKEN_MFA");

  const now = await waitForStepAfter(step);
  const session = await sendTotpCode(user, totp(secret, now));
  assert.ok(session.isValid());
  const id = session.getIdToken().decodePayload();
  assert.equal(id["cognito:username"], "frank");
  assert.equal(id.aud, ids.clientId);
  assert.equal(id.iss, `${server.url}/${ids.poolId}`);
  const access = session.getAccessToken().decodePayload();
  assert.equal(access.token_use, "access");
  assert.equal(access.username, "frank");
  assert.ok(session.getRefreshToken().getToken());
});
