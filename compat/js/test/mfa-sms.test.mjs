// SMS_MFA sign-in as amazon-cognito-identity-js performs it: authenticateUser
// answers the SRP challenge, gets `mfaRequired` and sends the code that
// reached the SMS webhook (COGNATE_SMS_WEBHOOK_URL) with sendMFACode; with two
// factors and no preference it gets `selectMFAType` and chooses SMS with
// sendMFASelectionAnswer.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";

import cognitoIdentity from "amazon-cognito-identity-js";
import {
  AdminConfirmSignUpCommand,
  AdminSetUserMFAPreferenceCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SetUserPoolMfaConfigCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";

import { PASSWORD, call, sdkClient, startServer } from "../lib/cognate.mjs";

const { AuthenticationDetails, CognitoUser, CognitoUserPool } = cognitoIdentity;

const PHONE = "+15555550188";
const SNS = { SnsCallerArn: "arn:aws:iam::000000000000:role/cognito-sns" };

let server;
let client;
let webhook;
/** Every SMS the server POSTed, in order. */
const texts = [];
let ids;

before(async () => {
  webhook = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      texts.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  process.env.COGNATE_SMS_WEBHOOK_URL = `http://127.0.0.1:${webhook.address().port}/sms`;
  server = await startServer();
  client = sdkClient(server.url);
  ids = await smsPool();
});

after(async () => {
  client?.destroy();
  await server?.stop();
  await new Promise((resolve) => webhook?.close(resolve));
});

/** A pool offering SMS and e-mail MFA (OPTIONAL) and an SRP client. */
async function smsPool() {
  const pool = await call(
    client,
    new CreateUserPoolCommand({ PoolName: `sms-${Date.now()}`, SmsConfiguration: SNS }),
  );
  const poolId = pool.UserPool.Id;
  await call(
    client,
    new SetUserPoolMfaConfigCommand({
      UserPoolId: poolId,
      MfaConfiguration: "OPTIONAL",
      SmsMfaConfiguration: { SmsAuthenticationMessage: "Code {####}", SmsConfiguration: SNS },
      EmailMfaConfiguration: { Message: "Code {####}", Subject: "Code" },
    }),
  );
  const appClient = await call(
    client,
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: "sms-client",
      ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    }),
  );
  return { poolId, clientId: appClient.UserPoolClient.ClientId };
}

/** A confirmed user with a phone number and e-mail, with `settings` as MFA preferences. */
async function phoneUser(username, settings) {
  await call(
    client,
    new SignUpCommand({
      ClientId: ids.clientId,
      Username: username,
      Password: PASSWORD,
      UserAttributes: [
        { Name: "email", Value: `${username}@example.com` },
        { Name: "phone_number", Value: PHONE },
      ],
    }),
  );
  await call(client, new AdminConfirmSignUpCommand({ UserPoolId: ids.poolId, Username: username }));
  await call(
    client,
    new AdminSetUserMFAPreferenceCommand({ UserPoolId: ids.poolId, Username: username, ...settings }),
  );
}

function cognitoUser(username) {
  const pool = new CognitoUserPool({
    UserPoolId: ids.poolId,
    ClientId: ids.clientId,
    endpoint: server.url,
  });
  return new CognitoUser({ Username: username, Pool: pool });
}

/** Callbacks that resolve on `expected` and reject on anything else. */
function expecting(expected, resolve, reject) {
  const unexpected = (name) => () => reject(new Error(`unexpected ${name}`));
  return {
    onSuccess: unexpected("onSuccess"),
    onFailure: reject,
    mfaRequired: unexpected("mfaRequired"),
    selectMFAType: unexpected("selectMFAType"),
    totpRequired: unexpected("totpRequired"),
    mfaSetup: unexpected("mfaSetup"),
    newPasswordRequired: unexpected("newPasswordRequired"),
    [expected]: (...args) => resolve(args),
  };
}

/** The code of the last SMS sent to `username`. */
function lastCode(username) {
  const text = texts.filter((t) => t.username === username).at(-1);
  assert.ok(text, `no SMS reached the webhook for ${username}`);
  return text.code;
}

function sendSmsCode(user, code) {
  return new Promise((resolve, reject) => {
    user.sendMFACode(code, { onSuccess: resolve, onFailure: reject });
  });
}

test("authenticateUser for an SMS MFA user fires mfaRequired and sendMFACode signs in", async () => {
  await phoneUser("sally", { SMSMfaSettings: { Enabled: true, PreferredMfa: true } });
  const user = cognitoUser("sally");
  const details = new AuthenticationDetails({ Username: "sally", Password: PASSWORD });
  const [challengeName, parameters] = await new Promise((resolve, reject) =>
    user.authenticateUser(details, expecting("mfaRequired", resolve, reject)),
  );
  assert.equal(challengeName, "SMS_MFA");
  assert.equal(parameters.CODE_DELIVERY_DELIVERY_MEDIUM, "SMS");
  assert.equal(parameters.CODE_DELIVERY_DESTINATION, "+*******0188");
  const text = texts.filter((t) => t.username === "sally").at(-1);
  assert.equal(text.to, PHONE);
  assert.equal(text.message, `Code ${text.code}`);

  const session = await sendSmsCode(user, lastCode("sally"));
  assert.ok(session.isValid());
  assert.equal(session.getIdToken().decodePayload()["cognito:username"], "sally");
});

test("a wrong SMS code is CodeMismatchException", async () => {
  await phoneUser("simon", { SMSMfaSettings: { Enabled: true } });
  const user = cognitoUser("simon");
  const details = new AuthenticationDetails({ Username: "simon", Password: PASSWORD });
  await new Promise((resolve, reject) =>
    user.authenticateUser(details, expecting("mfaRequired", resolve, reject)),
  );
  const wrong = String((Number(lastCode("simon")) + 1) % 1_000_000).padStart(6, "0");
  await assert.rejects(sendSmsCode(user, wrong), (err) => {
    assert.equal(err.code ?? err.name, "CodeMismatchException", `got ${err?.stack ?? err}`);
    return true;
  });
});

test("selectMFAType then sendMFASelectionAnswer SMS_MFA leads to mfaRequired and tokens", async () => {
  await phoneUser("selma", {
    SMSMfaSettings: { Enabled: true },
    EmailMfaSettings: { Enabled: true },
  });
  const user = cognitoUser("selma");
  const details = new AuthenticationDetails({ Username: "selma", Password: PASSWORD });
  const [challengeName, parameters] = await new Promise((resolve, reject) =>
    user.authenticateUser(details, expecting("selectMFAType", resolve, reject)),
  );
  assert.equal(challengeName, "SELECT_MFA_TYPE");
  assert.deepEqual(JSON.parse(parameters.MFAS_CAN_CHOOSE), ["SMS_MFA", "EMAIL_OTP"]);

  const [smsChallenge] = await new Promise((resolve, reject) =>
    user.sendMFASelectionAnswer("SMS_MFA", expecting("mfaRequired", resolve, reject)),
  );
  assert.equal(smsChallenge, "SMS_MFA");
  const session = await sendSmsCode(user, lastCode("selma"));
  assert.equal(session.getAccessToken().decodePayload().username, "selma");
});
