// USER_SRP_AUTH as amazon-cognito-identity-js performs it (the library behind
// Amplify's browser sign-in): CognitoUser.authenticateUser computes SRP_A,
// answers PASSWORD_VERIFIER and returns a session.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import cognitoIdentity from "amazon-cognito-identity-js";

import { PASSWORD, sdkClient, srpPoolWithUser, startServer } from "../lib/cognate.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognitoIdentity;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server;
let client;

before(async () => {
  server = await startServer();
  client = sdkClient(server.url);
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

/** A pool (with `poolSettings`), an SRP-enabled client and one confirmed user. */
function poolWithUser(poolSettings, username, email) {
  return srpPoolWithUser(client, { prefix: "srp", poolSettings, username, email });
}

/** CognitoUser.authenticateUser as a promise: resolves with the session, rejects with the error. */
function authenticate({ poolId, clientId }, username, password) {
  const userPool = new CognitoUserPool({
    UserPoolId: poolId,
    ClientId: clientId,
    endpoint: server.url,
  });
  const user = new CognitoUser({ Username: username, Pool: userPool });
  const details = new AuthenticationDetails({ Username: username, Password: password });
  return new Promise((resolve, reject) => {
    user.authenticateUser(details, {
      onSuccess: resolve,
      onFailure: reject,
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
    });
  });
}

function assertNotAuthorized(err) {
  assert.equal(err.code ?? err.name, "NotAuthorizedException", `got ${err?.stack ?? err}`);
  assert.equal(err.message, "Incorrect username or password.");
  return true;
}

test("authenticateUser with the right password returns tokens", async () => {
  const ids = await poolWithUser({}, "alice", "alice@example.com");
  const session = await authenticate(ids, "alice", PASSWORD);
  assert.ok(session.isValid());
  const id = session.getIdToken().decodePayload();
  assert.equal(id["cognito:username"], "alice");
  assert.equal(id.aud, ids.clientId);
  assert.equal(session.getAccessToken().decodePayload().token_use, "access");
  assert.ok(session.getRefreshToken().getToken());
});

test("authenticateUser with a wrong password is NotAuthorizedException", async () => {
  const ids = await poolWithUser({}, "bob", "bob@example.com");
  await assert.rejects(authenticate(ids, "bob", "Wr0ng-Passw0rd!"), assertNotAuthorized);
});

test("authenticateUser by e-mail in an email-as-username pool returns tokens", async () => {
  const ids = await poolWithUser({ UsernameAttributes: ["email"] }, "carol@example.com", "carol@example.com");
  const session = await authenticate(ids, "carol@example.com", PASSWORD);
  const id = session.getIdToken().decodePayload();
  assert.match(id["cognito:username"], UUID_RE);
  assert.equal(id.email, "carol@example.com");
});

test("authenticateUser by e-mail with a wrong password is NotAuthorizedException", async () => {
  const ids = await poolWithUser({ UsernameAttributes: ["email"] }, "dave@example.com", "dave@example.com");
  await assert.rejects(
    authenticate(ids, "dave@example.com", "Wr0ng-Passw0rd!"),
    assertNotAuthorized,
  );
});
