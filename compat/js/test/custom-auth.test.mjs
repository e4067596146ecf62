// CUSTOM_AUTH as amazon-cognito-identity-js performs it, against
// DefineAuthChallenge / CreateAuthChallenge / VerifyAuthChallengeResponse
// hooks served by a Node http server in this test:
// - setAuthenticationFlowType("CUSTOM_AUTH") + authenticateUser: SRP_A and
//   PASSWORD_VERIFIER first, then customChallenge -> sendCustomChallengeAnswer;
// - initiateAuth (no password): customChallenge -> sendCustomChallengeAnswer.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";

import cognitoIdentity from "amazon-cognito-identity-js";
import {
  AdminConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";

import { PASSWORD, call, sdkClient, startServer } from "../lib/cognate.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognitoIdentity;

const SECRET = "seven.seven";

let server;
let client;
let hooks;
/** Every event the hook server received: [path, event]. */
const events = [];

/** SRP_A -> PASSWORD_VERIFIER -> CUSTOM_CHALLENGE; a right answer issues tokens, a wrong one fails. */
function define(event) {
  const session = event.request.session;
  const last = session[session.length - 1];
  if (last?.challengeName === "SRP_A") return { challengeName: "PASSWORD_VERIFIER" };
  if (last?.challengeName === "CUSTOM_CHALLENGE") {
    return last.challengeResult ? { issueTokens: true } : { failAuthentication: true };
  }
  return { challengeName: "CUSTOM_CHALLENGE", issueTokens: false, failAuthentication: false };
}

const HANDLERS = {
  "/define": define,
  "/create": () => ({
    publicChallengeParameters: { question: "the secret number?" },
    privateChallengeParameters: { answer: SECRET },
    challengeMetadata: "NUMBER",
  }),
  "/verify": (event) => ({
    answerCorrect: event.request.challengeAnswer === event.request.privateChallengeParameters.answer,
  }),
};

function startHooks() {
  const srv = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const event = JSON.parse(body);
      events.push([req.url, event]);
      const handler = HANDLERS[req.url];
      const answer = handler ? { ...event, response: handler(event) } : { errorMessage: "no handler" };
      res.writeHead(handler ? 200 : 500, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () => resolve(srv)));
}

before(async () => {
  hooks = await startHooks();
  server = await startServer();
  client = sdkClient(server.url);
});

after(async () => {
  client?.destroy();
  await server?.stop();
  await new Promise((resolve) => hooks?.close(resolve));
});

/** A pool with the three custom auth triggers, a client allowing CUSTOM_AUTH, one confirmed user. */
async function customPool(username) {
  const base = `http://127.0.0.1:${hooks.address().port}`;
  const pool = await call(
    client,
    new CreateUserPoolCommand({
      PoolName: `custom-${Date.now()}`,
      LambdaConfig: {
        DefineAuthChallenge: `${base}/define`,
        CreateAuthChallenge: `${base}/create`,
        VerifyAuthChallengeResponse: `${base}/verify`,
      },
    }),
  );
  const poolId = pool.UserPool.Id;
  const appClient = await call(
    client,
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: "custom-client",
      ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    }),
  );
  const clientId = appClient.UserPoolClient.ClientId;
  await call(
    client,
    new SignUpCommand({
      ClientId: clientId,
      Username: username,
      Password: PASSWORD,
      UserAttributes: [{ Name: "email", Value: `${username}@example.com` }],
    }),
  );
  await call(client, new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: username }));
  return { poolId, clientId };
}

function cognitoUser({ poolId, clientId }, username) {
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: server.url });
  const user = new CognitoUser({ Username: username, Pool: pool });
  user.setAuthenticationFlowType("CUSTOM_AUTH");
  return user;
}

/**
 * Runs `start(user, callbacks)` and answers each custom challenge with the
 * next of `answers`; resolves with { session, challenges } or rejects with the error.
 */
function signIn(user, start, answers) {
  const challenges = [];
  return new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: (session) => resolve({ session, challenges }),
      onFailure: reject,
      customChallenge(parameters) {
        challenges.push(parameters);
        const answer = answers.shift();
        if (answer === undefined) return reject(new Error("more challenges than answers"));
        user.sendCustomChallengeAnswer(answer, callbacks);
      },
    };
    start(user, callbacks);
  });
}

function defineSessions(poolId) {
  return events
    .filter(([path, e]) => path === "/define" && e.userPoolId === poolId)
    .map(([, e]) => e.request.session.map((c) => `${c.challengeName}:${c.challengeResult}`));
}

test("authenticateUser with CUSTOM_AUTH proves the password over SRP, then answers the custom challenge", async () => {
  const ids = await customPool("alice");
  const user = cognitoUser(ids, "alice");
  const details = new AuthenticationDetails({ Username: "alice", Password: PASSWORD });
  const { session, challenges } = await signIn(
    user,
    (u, cb) => u.authenticateUser(details, cb),
    [SECRET],
  );
  assert.ok(session.isValid());
  assert.equal(session.getIdToken().decodePayload()["cognito:username"], "alice");
  assert.deepEqual(challenges, [{ question: "the secret number?", USERNAME: "alice" }]);
  assert.deepEqual(defineSessions(ids.poolId), [
    ["SRP_A:true"],
    ["SRP_A:true", "PASSWORD_VERIFIER:true"],
    ["SRP_A:true", "PASSWORD_VERIFIER:true", "CUSTOM_CHALLENGE:true"],
  ]);
});

test("authenticateUser with CUSTOM_AUTH and a wrong password is NotAuthorizedException", async () => {
  const ids = await customPool("bob");
  const user = cognitoUser(ids, "bob");
  const details = new AuthenticationDetails({ Username: "bob", Password: "Wr0ng-Passw0rd!" });
  await assert.rejects(signIn(user, (u, cb) => u.authenticateUser(details, cb), [SECRET]), (err) => {
    assert.equal(err.code ?? err.name, "NotAuthorizedException");
    assert.equal(err.message, "Incorrect username or password.");
    return true;
  });
});

test("initiateAuth without a password answers the custom challenge and gets tokens", async () => {
  const ids = await customPool("carol");
  const user = cognitoUser(ids, "carol");
  const details = new AuthenticationDetails({ Username: "carol" });
  const { session, challenges } = await signIn(user, (u, cb) => u.initiateAuth(details, cb), [SECRET]);
  assert.equal(session.getAccessToken().decodePayload().username, "carol");
  assert.ok(session.getRefreshToken().getToken());
  assert.equal(challenges.length, 1);
  assert.deepEqual(defineSessions(ids.poolId), [[], ["CUSTOM_CHALLENGE:true"]]);
});

test("initiateAuth with a wrong answer is NotAuthorizedException", async () => {
  const ids = await customPool("dave");
  const user = cognitoUser(ids, "dave");
  const details = new AuthenticationDetails({ Username: "dave" });
  await assert.rejects(signIn(user, (u, cb) => u.initiateAuth(details, cb), ["six"]), (err) => {
    assert.equal(err.code ?? err.name, "NotAuthorizedException");
    assert.equal(err.message, "Incorrect username or password.");
    return true;
  });
});
