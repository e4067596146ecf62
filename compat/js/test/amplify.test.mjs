// Sign-in as Amplify JS v6 performs it: `signIn` from `aws-amplify/auth`
// (default flow USER_SRP_AUTH) against a cognate pool, then
// `fetchAuthSession` for the tokens. Amplify keeps its tokens in a
// KeyValueStorage; in Node the documented in-memory one is used.

import { after, afterEach, before, test } from "node:test";
import assert from "node:assert/strict";

import { Amplify } from "aws-amplify";
import { fetchAuthSession, signIn, signOut } from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";
import { sharedInMemoryStorage } from "aws-amplify/utils";
import { JwtVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import { NonRetryableFetchError } from "aws-jwt-verify/error";

import { PASSWORD, sdkClient, srpPoolWithUser, startServer } from "../lib/cognate.mjs";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WRONG_PASSWORD = "Wr0ng-Passw0rd!";

let server;
let client;

before(async () => {
  server = await startServer();
  client = sdkClient(server.url);
  cognitoUserPoolsTokenProvider.setKeyValueStorage(sharedInMemoryStorage);
});

// Amplify is a process-wide singleton: sign the user out so the next test can
// sign in afresh (signIn refuses while a user is signed in).
afterEach(async () => {
  await signOut();
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

/** A pool (with `poolSettings`), an SRP-enabled client and one confirmed user. */
function poolWithUser(poolSettings, username, email) {
  return srpPoolWithUser(client, { prefix: "amplify", poolSettings, username, email });
}

/** Point Amplify at one cognate pool and app client. */
function configureAmplify({ poolId, clientId }) {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: poolId,
        userPoolClientId: clientId,
        userPoolEndpoint: server.url,
      },
    },
  });
}

// aws-jwt-verify's default Node fetcher refuses http:// URIs; fetch the JWKS
// with the global fetch() and leave the verification to the library.
const httpFetcher = {
  async fetch(uri) {
    const res = await fetch(uri);
    if (res.status !== 200) {
      throw new NonRetryableFetchError(uri, `Status code is ${res.status}, expected 200`);
    }
    return res.arrayBuffer();
  },
};

/** Verify an ID token's signature, issuer, audience and token_use; return its payload. */
async function verifyIdToken(jwt, { poolId, clientId }) {
  const issuer = `${server.url}/${poolId}`;
  const verifier = JwtVerifier.create(
    {
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      audience: clientId,
      customJwtCheck: ({ payload }) =>
        validateCognitoJwtFields(payload, { tokenUse: "id", clientId }),
    },
    { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher }) },
  );
  return verifier.verify(jwt);
}

/** Sign in through Amplify and return the verified ID token payload and the session. */
async function signInAndVerify(ids, username) {
  configureAmplify(ids);
  const result = await signIn({ username, password: PASSWORD });
  assert.equal(result.isSignedIn, true, `signIn result: ${JSON.stringify(result)}`);
  assert.equal(result.nextStep.signInStep, "DONE");

  const session = await fetchAuthSession();
  assert.ok(session.tokens?.idToken, "fetchAuthSession returned no ID token");
  assert.ok(session.tokens?.accessToken, "fetchAuthSession returned no access token");
  const payload = await verifyIdToken(session.tokens.idToken.toString(), ids);
  assert.equal(payload.iss, `${server.url}/${ids.poolId}`);
  assert.equal(payload.aud, ids.clientId);
  assert.equal(session.tokens.accessToken.payload.token_use, "access");
  assert.equal(session.tokens.accessToken.payload.client_id, ids.clientId);
  return { payload, session };
}

function assertNotAuthorized(err) {
  assert.equal(err.name, "NotAuthorizedException", `got ${err?.stack ?? err}`);
  assert.equal(err.message, "Incorrect username or password.");
  return true;
}

test("Amplify signIn with the right password is signed in with verifiable tokens", async () => {
  const ids = await poolWithUser({}, "alice", "alice@example.com");
  const { payload, session } = await signInAndVerify(ids, "alice");
  assert.equal(payload["cognito:username"], "alice");
  assert.equal(payload.email, "alice@example.com");
  assert.equal(session.tokens.accessToken.payload.username, "alice");
  assert.equal(session.userSub, payload.sub);
});

test("Amplify signIn with a wrong password is NotAuthorizedException", async () => {
  const ids = await poolWithUser({}, "bob", "bob@example.com");
  configureAmplify(ids);
  await assert.rejects(signIn({ username: "bob", password: WRONG_PASSWORD }), assertNotAuthorized);
  const session = await fetchAuthSession();
  assert.equal(session.tokens, undefined);
});

test("Amplify signIn by e-mail in an email-as-username pool is signed in", async () => {
  const ids = await poolWithUser(
    { UsernameAttributes: ["email"] },
    "carol@example.com",
    "carol@example.com",
  );
  const { payload } = await signInAndVerify(ids, "carol@example.com");
  assert.match(payload["cognito:username"], UUID_RE);
  assert.equal(payload.email, "carol@example.com");
});

test("Amplify signIn by e-mail with a wrong password is NotAuthorizedException", async () => {
  const ids = await poolWithUser(
    { UsernameAttributes: ["email"] },
    "dave@example.com",
    "dave@example.com",
  );
  configureAmplify(ids);
  await assert.rejects(
    signIn({ username: "dave@example.com", password: WRONG_PASSWORD }),
    assertNotAuthorized,
  );
});
