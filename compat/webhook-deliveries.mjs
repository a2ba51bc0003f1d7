// Verifies real webhook deliveries of Gatehouse with Polar's official SDKs.
// The Go end-to-end test (go test -run TestWebhooks ./e2e/) captures what
// its receiver got from the binary into a JSON file, a list of
// {name, secret, headers, body}, and runs:
//
//   GATEHOUSE_WEBHOOK_DELIVERIES=/path/deliveries.json node --test webhook-deliveries.mjs
//
// The name keeps it out of "node --test"'s default file patterns: without
// captured deliveries there is nothing to check. Every delivery must pass,
// within Standard Webhooks' 5-minute tolerance of its capture:
//   - 0.49.0 validateEvent (legacy key only; strict zod parsing of the payload),
//   - 1.0.1 webhooks.validateEvent from @polar-sh/sdk/2026-10 (both keys),
//   - the Express adapter's path: it verifies JSON.stringify(req.body),
//   - the Standard Webhooks library with the secret as a whsec_ key,
//   - and a tampered body must fail in both SDKs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { validateEvent, WebhookVerificationError } from "sdk049/webhooks";
import { webhooks } from "sdk101/2026-10";

const file = process.env.GATEHOUSE_WEBHOOK_DELIVERIES;
if (!file) {
  throw new Error("GATEHOUSE_WEBHOOK_DELIVERIES is not set: run go test -run TestWebhooks ./e2e/ (see this file's header)");
}
const deliveries = JSON.parse(readFileSync(file, "utf8"));

const customerTypes = ["customer.created", "customer.updated", "customer.deleted", "customer.state_changed"];

test("the capture holds every customer event type", () => {
  const types = new Set(deliveries.map((d) => JSON.parse(d.body).type));
  for (const t of customerTypes) assert.ok(types.has(t), `no ${t} delivery captured`);
});

// tamper changes one digit of the envelope's timestamp: still valid JSON,
// no longer the signed bytes.
function tamper(body) {
  const out = body.replace(/"timestamp":"(\d)/, (_, d) => `"timestamp":"${(Number(d) + 1) % 10}`);
  assert.notEqual(out, body);
  return out;
}

for (const d of deliveries) {
  const raw = JSON.parse(d.body);

  test(`0.49 validateEvent: ${d.name}`, () => {
    const ev = validateEvent(d.body, d.headers, d.secret);
    assert.equal(ev.type, raw.type);
    assert.ok(ev.timestamp instanceof Date && !Number.isNaN(ev.timestamp.getTime()));
    assert.equal(ev.data.id, raw.data.id);
    if (raw.type === "customer.state_changed") {
      assert.deepEqual(ev.data.activeSubscriptions, []);
      assert.deepEqual(ev.data.grantedBenefits, []);
    } else {
      assert.equal(ev.data.email, raw.data.email);
      assert.equal(ev.data.emailVerified, raw.data.email_verified);
    }
    if (raw.type === "customer.deleted") {
      assert.ok(ev.data.deletedAt instanceof Date, "deleted customer without deletedAt");
      assert.equal(ev.data.metadata.__external_id, raw.data.metadata.__external_id);
    }
  });

  test(`1.0.1 webhooks.validateEvent: ${d.name}`, async () => {
    const ev = await webhooks.validateEvent(d.body, d.headers, d.secret);
    assert.deepEqual(ev, raw);
  });

  test(`Express adapter body: ${d.name}`, () => {
    const reserialized = JSON.stringify(JSON.parse(d.body));
    assert.equal(reserialized, d.body);
    assert.equal(validateEvent(reserialized, d.headers, d.secret).type, raw.type);
  });

  test(`standardwebhooks with the whsec_ key: ${d.name}`, () => {
    assert.deepEqual(new Webhook(d.secret).verify(d.body, d.headers), raw);
  });

  test(`tampered body refused: ${d.name}`, async () => {
    const bad = tamper(d.body);
    assert.throws(() => validateEvent(bad, d.headers, d.secret), WebhookVerificationError);
    await assert.rejects(webhooks.validateEvent(bad, d.headers, d.secret), webhooks.PolarWebhookVerificationError);
  });
}
