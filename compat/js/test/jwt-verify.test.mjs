// Tokens minted by cognate must verify with aws-jwt-verify, the library most
// Node back ends use to check Cognito tokens, and must be rejected where a
// Cognito token would be.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { JwtVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import {
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwtBaseError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureError,
  NonRetryableFetchError,
  ParameterValidationError,
} from "aws-jwt-verify/error";

import {
  decodeSegment,
  encodeSegment,
  sdkClient,
  setUpPoolAndSignIn,
  startServer,
} from "../lib/cognate.mjs";

const COGNITO_POOL_ID_RE = /^[a-z]{2}-(gov-)?[a-z]+-\d_[A-Za-z0-9]+$/;

let server;
let client;
/** Pool A: the pool under test. Pool B: a second, unrelated pool. */
let a;
let b;

// aws-jwt-verify's default Node fetcher uses https.request and refuses http://
// URIs, so fetch the JWKS with the global fetch() instead. The library still
// does the caching, kid lookup, and all the verification.
const httpFetcher = {
  async fetch(uri) {
    const res = await fetch(uri);
    if (res.status !== 200) {
      throw new NonRetryableFetchError(uri, `Status code is ${res.status}, expected 200`);
    }
    return res.arrayBuffer();
  },
};

/**
 * A generic JwtVerifier for one cognate pool, with the Cognito-specific
 * checks (token_use, client id) done by validateCognitoJwtFields.
 */
function cognateVerifier({ issuer, jwksUri, tokenUse, clientId }) {
  return JwtVerifier.create(
    {
      issuer,
      jwksUri,
      audience: tokenUse === "id" ? clientId : null,
      customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse, clientId }),
    },
    { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher }) },
  );
}

/** Assert that `promise` rejects with a real verification failure (not a set-up error). */
async function assertVerificationFails(promise, expectedClass) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof JwtBaseError, `expected an aws-jwt-verify error, got ${err?.stack ?? err}`);
    assert.ok(!(err instanceof ParameterValidationError), `verifier set-up error: ${err.message}`);
    assert.ok(!(err instanceof FetchError), `JWKS fetch failed: ${err.message}`);
    if (expectedClass) {
      assert.ok(
        err instanceof expectedClass,
        `expected ${expectedClass.name}, got ${err.constructor.name}: ${err.message}`,
      );
    }
    return true;
  });
}

before(async () => {
  server = await startServer();
  client = sdkClient(server.url);
  a = await setUpPoolAndSignIn(client, server.url, {
    poolName: "compat-js-a",
    username: "alice",
    email: "alice@example.com",
  });
  b = await setUpPoolAndSignIn(client, server.url, {
    poolName: "compat-js-b",
    username: "bob",
    email: "bob@example.com",
  });
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

test("id token verifies with aws-jwt-verify", async () => {
  assert.match(a.poolId, COGNITO_POOL_ID_RE, "pool id must look like a Cognito pool id");
  const header = decodeSegment(a.idToken.split(".")[0]);
  assert.equal(header.alg, "RS256");
  assert.equal(typeof header.kid, "string");

  const verifier = cognateVerifier({ ...a, tokenUse: "id" });
  const payload = await verifier.verify(a.idToken);

  assert.equal(payload.iss, a.issuer);
  assert.equal(payload.token_use, "id");
  assert.equal(payload.aud, a.clientId);
  assert.equal(payload["cognito:username"], a.username);
  assert.equal(payload.email, "alice@example.com");
  if (a.userSub) assert.equal(payload.sub, a.userSub, "sub must equal SignUp's UserSub");
  assert.equal(typeof payload.exp, "number");
  assert.equal(typeof payload.iat, "number");
  assert.ok(payload.exp > payload.iat);
});

test("access token verifies with aws-jwt-verify", async () => {
  const header = decodeSegment(a.accessToken.split(".")[0]);
  assert.equal(header.alg, "RS256");
  assert.equal(typeof header.kid, "string");

  const verifier = cognateVerifier({ ...a, tokenUse: "access" });
  const payload = await verifier.verify(a.accessToken);

  assert.equal(payload.iss, a.issuer);
  assert.equal(payload.token_use, "access");
  assert.equal(payload.client_id, a.clientId);
  assert.equal(payload.aud, undefined, "access tokens carry no aud");
  assert.ok(
    String(payload.scope).split(" ").includes("aws.cognito.signin.user.admin"),
    `scope ${JSON.stringify(payload.scope)} lacks aws.cognito.signin.user.admin`,
  );
  assert.equal(payload.username, a.username);
  if (a.userSub) assert.equal(payload.sub, a.userSub, "sub must equal SignUp's UserSub");
});

test("id token is rejected as access token", async () => {
  const accessVerifier = cognateVerifier({ ...a, tokenUse: "access" });
  await assertVerificationFails(accessVerifier.verify(a.idToken), CognitoJwtInvalidTokenUseError);

  // And the other way round.
  const idVerifier = cognateVerifier({ ...a, tokenUse: "id" });
  await assertVerificationFails(idVerifier.verify(a.accessToken));
});

test("token from another pool is rejected", async () => {
  assert.notEqual(a.poolId, b.poolId);
  assert.notEqual(a.issuer, b.issuer);

  // Pool B's tokens are fine for pool B...
  await cognateVerifier({ ...b, tokenUse: "id" }).verify(b.idToken);
  await cognateVerifier({ ...b, tokenUse: "access" }).verify(b.accessToken);

  // ...but not for pool A (unknown kid, bad signature or wrong issuer).
  await assertVerificationFails(cognateVerifier({ ...a, tokenUse: "id" }).verify(b.idToken));
  await assertVerificationFails(cognateVerifier({ ...a, tokenUse: "access" }).verify(b.accessToken));

  // Even when pool B's keys are trusted, pool A's issuer must not match.
  const trustsBKeys = (tokenUse) =>
    cognateVerifier({ issuer: a.issuer, jwksUri: b.jwksUri, tokenUse, clientId: a.clientId });
  await assertVerificationFails(trustsBKeys("id").verify(b.idToken), JwtInvalidIssuerError);
  await assertVerificationFails(trustsBKeys("access").verify(b.accessToken), JwtInvalidIssuerError);
});

test("tampered token is rejected", async () => {
  const verifier = cognateVerifier({ ...a, tokenUse: "id" });
  const [h, p, s] = a.idToken.split(".");

  // Sanity: the untouched token passes.
  await verifier.verify(a.idToken);

  // Payload changed, signature kept.
  const payload = decodeSegment(p);
  const forged = { ...payload, "cognito:username": "mallory", email: "mallory@example.com" };
  await assertVerificationFails(
    verifier.verify(`${h}.${encodeSegment(forged)}.${s}`),
    JwtInvalidSignatureError,
  );

  // Signature bytes changed (flip a character in the middle of it).
  const mid = Math.floor(s.length / 2);
  const flipped = s.slice(0, mid) + (s[mid] === "A" ? "B" : "A") + s.slice(mid + 1);
  await assertVerificationFails(verifier.verify(`${h}.${p}.${flipped}`), JwtInvalidSignatureError);

  // Signature taken from another token of the same pool.
  const otherSig = a.accessToken.split(".")[2];
  await assertVerificationFails(verifier.verify(`${h}.${p}.${otherSig}`), JwtInvalidSignatureError);

  // Unsigned token ("alg": "none").
  const header = decodeSegment(h);
  const none = encodeSegment({ ...header, alg: "none" });
  await assertVerificationFails(verifier.verify(`${none}.${p}.`));
});
