// Drives Gatehouse with the legacy Speakeasy SDK, @polar-sh/sdk@0.49.0,
// which validates every response with zod and checks status codes exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Polar } from "sdk049";
import { ResourceNotFound } from "sdk049/models/errors/resourcenotfound.js";
import { HTTPValidationError } from "sdk049/models/errors/httpvalidationerror.js";
import { SDKError } from "sdk049/models/errors/sdkerror.js";
import { baseUrl, token, orgSlug, runTag, email, unknownId, rejection, polarEventTypes, hookURL } from "./lib.mjs";

const polar = new Polar({ accessToken: token, serverURL: baseUrl });
const run = runTag("v049");
const state = {};

test("0.49 create customer", async () => {
  const c = await polar.customers.create({
    email: email(run, "jane"),
    externalId: `${run}-jane`,
    name: "Jane Doe",
    metadata: { run, tier: "gold", seats: 3 },
  });
  assert.equal(c.email, email(run, "jane"));
  assert.equal(c.externalId, `${run}-jane`);
  assert.equal(c.type, "individual");
  assert.equal(c.emailVerified, false);
  assert.equal(c.billingName, "Jane Doe");
  assert.equal(c.modifiedAt, null);
  assert.ok(c.createdAt instanceof Date);
  assert.deepEqual(c.metadata, { run, tier: "gold", seats: 3 });
  state.jane = c;

  const dup = await rejection(() => polar.customers.create({ email: email(run, "jane").toUpperCase() }));
  assert.ok(dup instanceof HTTPValidationError, `duplicate email: got ${dup}`);
  assert.deepEqual(dup.detail[0].loc, ["body", "email"]);

  const bad = await rejection(() => polar.customers.create({ email: "not-an-email" }));
  assert.ok(bad instanceof HTTPValidationError, `bad email: got ${bad}`);
});

test("0.49 list with filters and pagination", async () => {
  for (const name of ["bob", "carol", "dave", "erin"]) {
    await polar.customers.create({ email: email(run, name), externalId: `${run}-${name}`, name, metadata: { run, tier: name === "carol" ? "gold" : "free" } });
  }
  const pages = [];
  const ids = new Set();
  for await (const page of await polar.customers.list({ metadata: { run }, limit: 2 })) {
    pages.push(page.result.items.length);
    for (const c of page.result.items) ids.add(c.id);
    assert.deepEqual(page.result.pagination, { totalCount: 5, maxPage: 3 });
  }
  assert.deepEqual(pages, [2, 2, 1]);
  assert.equal(ids.size, 5);

  const byEmail = await polar.customers.list({ email: email(run, "bob") });
  assert.equal(byEmail.result.items.length, 1);
  assert.equal(byEmail.result.items[0].name, "bob");

  const byQuery = await polar.customers.list({ query: `${run}-da` });
  assert.deepEqual(byQuery.result.items.map((c) => c.name), ["dave"]);

  const gold = await polar.customers.list({ metadata: { run, tier: "gold" }, sorting: ["name"] });
  assert.deepEqual(gold.result.items.map((c) => c.name), ["carol", "Jane Doe"]);
});

test("0.49 get and get external", async () => {
  const c = await polar.customers.get({ id: state.jane.id });
  assert.equal(c.id, state.jane.id);
  const e = await polar.customers.getExternal({ externalId: `${run}-jane` });
  assert.equal(e.id, state.jane.id);

  const nf = await rejection(() => polar.customers.get({ id: unknownId }));
  assert.ok(nf instanceof ResourceNotFound, `unknown id: got ${nf}`);
  assert.equal(nf.detail, "Not found");
  const nfe = await rejection(() => polar.customers.getExternal({ externalId: `${run}-nobody` }));
  assert.ok(nfe instanceof ResourceNotFound, `unknown external id: got ${nfe}`);
});

test("0.49 update and update external", async () => {
  const u = await polar.customers.update({ id: state.jane.id, customerUpdate: { name: "Jane Q. Doe", metadata: { run, tier: "platinum" } } });
  assert.equal(u.name, "Jane Q. Doe");
  assert.deepEqual(u.metadata, { run, tier: "platinum" });
  assert.ok(u.modifiedAt instanceof Date);

  const ue = await polar.customers.updateExternal({ externalId: `${run}-jane`, customerUpdateExternalID: { billingAddress: { country: "US", state: "CA" } } });
  assert.equal(ue.billingAddress.state, "US-CA");
  assert.equal(ue.name, "Jane Q. Doe");

  const bad = await rejection(() => polar.customers.update({ id: state.jane.id, customerUpdate: { email: "nope" } }));
  assert.ok(bad instanceof HTTPValidationError, `bad email: got ${bad}`);
  const nf = await rejection(() => polar.customers.update({ id: unknownId, customerUpdate: { name: "x" } }));
  assert.ok(nf instanceof ResourceNotFound, `unknown id: got ${nf}`);
});

test("0.49 state and export", async () => {
  const s = await polar.customers.getState({ id: state.jane.id });
  assert.deepEqual([s.activeSubscriptions, s.grantedBenefits, s.activeMeters], [[], [], []]);
  const se = await polar.customers.getStateExternal({ externalId: `${run}-jane` });
  assert.equal(se.id, state.jane.id);
  const csv = await polar.customers.export({});
  assert.match(csv, /^ID,External ID,Created At,Email,Name,/);
  assert.ok(csv.includes(state.jane.id));
});

test("0.49 customer sessions by id and by external id", async () => {
  const s = await polar.customerSessions.create({ customerId: state.jane.id, returnUrl: "https://example.com" });
  assert.equal(s.customerId, state.jane.id);
  assert.equal(s.customer.id, state.jane.id);
  assert.equal(s.returnUrl, "https://example.com/");
  assert.ok(s.token.length > 40);
  assert.ok(s.expiresAt > s.createdAt);
  assert.ok(s.customerPortalUrl.startsWith(`${baseUrl}/${orgSlug}/portal?customer_session_token=${s.token}&email=`), s.customerPortalUrl);
  assert.ok(s.customerPortalUrl.endsWith(`&email=jane%2B${run}%40example.com`), s.customerPortalUrl);
  state.session = s;

  const se = await polar.customerSessions.create({ externalCustomerId: `${run}-jane` });
  assert.equal(se.customerId, state.jane.id);
  assert.equal(se.returnUrl, null);
  assert.notEqual(se.token, s.token);

  const bad = await rejection(() => polar.customerSessions.create({ customerId: unknownId }));
  assert.ok(bad instanceof HTTPValidationError, `unknown customer: got ${bad}`);
  assert.equal(bad.detail[0].msg, "Customer does not exist.");
});

test("0.49 customer portal", async () => {
  const customerSession = state.session.token;
  const me = await polar.customerPortal.customers.get({ customerSession });
  assert.equal(me.id, state.jane.id);
  assert.equal(me.email, email(run, "jane"));
  assert.deepEqual(me.oauthAccounts, {});

  const upd = await polar.customerPortal.customers.update({ customerSession }, { billingName: "Jane Inc." });
  assert.equal(upd.billingName, "Jane Inc.");
  const bad = await rejection(() => polar.customerPortal.customers.update({ customerSession }, { taxId: "DE123" }));
  assert.ok(bad instanceof HTTPValidationError, `bad tax id: got ${bad}`);

  const intro = await polar.customerPortal.customerSession.introspect({ customerSession });
  assert.equal(intro.returnUrl, "https://example.com/");
  assert.equal(intro.expiresAt.getTime(), state.session.expiresAt.getTime());

  const user = await polar.customerPortal.customerSession.getAuthenticatedUser({ customerSession });
  assert.deepEqual([user.type, user.customerId, user.email, user.name], ["customer", state.jane.id, email(run, "jane"), "Jane Q. Doe"]);

  const org = await polar.customerPortal.organizations.get({ slug: orgSlug });
  assert.equal(org.organization.slug, orgSlug);
  assert.deepEqual(org.products, []);
  const nf = await rejection(() => polar.customerPortal.organizations.get({ slug: `${run}-nope` }));
  assert.ok(nf instanceof ResourceNotFound, `unknown slug: got ${nf}`);
});

test("0.49 delete, delete external, and what it does to sessions", async () => {
  await polar.customers.delete({ id: state.jane.id });
  const nf = await rejection(() => polar.customers.get({ id: state.jane.id }));
  assert.ok(nf instanceof ResourceNotFound, `deleted customer: got ${nf}`);
  const again = await rejection(() => polar.customers.delete({ id: state.jane.id }));
  assert.ok(again instanceof ResourceNotFound, `second delete: got ${again}`);

  const gone = await rejection(() => polar.customerPortal.customers.get({ customerSession: state.session.token }));
  assert.ok(gone instanceof SDKError, `session of a deleted customer: got ${gone}`);
  assert.equal(gone.statusCode, 401);
  assert.match(gone.body, /invalid_token/);

  await polar.customers.deleteExternal({ externalId: `${run}-bob` });
  const nfe = await rejection(() => polar.customers.getExternal({ externalId: `${run}-bob` }));
  assert.ok(nfe instanceof ResourceNotFound, `deleted external: got ${nfe}`);
});

test("0.49 bad credentials are SDKError 401", async () => {
  const anon = new Polar({ accessToken: "gatehouse_oat_not-a-real-token", serverURL: baseUrl });
  const err = await rejection(() => anon.customers.list({}));
  assert.ok(err instanceof SDKError, `bad token: got ${err}`);
  assert.equal(err.statusCode, 401);
  const portal = await rejection(() => polar.customerPortal.customers.get({ customerSession: token }));
  assert.ok(portal instanceof SDKError, `organization token on the portal: got ${portal}`);
  assert.equal(portal.statusCode, 401);
});

test("0.49 webhook endpoints", async () => {
  const ep = await polar.webhooks.createWebhookEndpoint({
    url: hookURL(run, "all"), format: "raw", events: polarEventTypes, name: "every type",
  });
  assert.equal(ep.url, hookURL(run, "all"));
  assert.equal(ep.format, "raw");
  assert.equal(ep.name, "every type");
  assert.deepEqual(ep.events, polarEventTypes);
  assert.ok(ep.events.includes("order.created"));
  assert.equal(ep.enabled, true);
  assert.equal(ep.modifiedAt, null);
  assert.ok(ep.createdAt instanceof Date);
  assert.match(ep.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);

  const got = await polar.webhooks.getWebhookEndpoint({ id: ep.id });
  assert.equal(got.secret, ep.secret);
  assert.equal(got.organizationId, ep.organizationId);

  const ids = [];
  for await (const page of await polar.webhooks.listWebhookEndpoints({ limit: 100 })) {
    for (const e of page.result.items) ids.push(e.id);
  }
  assert.ok(ids.includes(ep.id), "the new endpoint is listed");

  const up = await polar.webhooks.updateWebhookEndpoint({
    id: ep.id, webhookEndpointUpdate: { name: "renamed", events: ["customer.created", "order.created"], enabled: false, format: "slack" },
  });
  assert.equal(up.name, "renamed");
  assert.deepEqual(up.events, ["customer.created", "order.created"]);
  assert.equal(up.enabled, false);
  assert.equal(up.format, "slack");
  assert.equal(up.url, ep.url);
  assert.ok(up.modifiedAt instanceof Date);

  const rot = await polar.webhooks.resetWebhookEndpointSecret({ id: ep.id });
  assert.notEqual(rot.secret, ep.secret);
  assert.match(rot.secret, /^whsec_/);

  const bad = await rejection(() => polar.webhooks.createWebhookEndpoint({ url: "https://localhost/h", format: "raw", events: [] }));
  assert.ok(bad instanceof HTTPValidationError, `localhost URL: got ${bad}`);
  assert.deepEqual(bad.detail[0].loc, ["body", "url"]);
  assert.match(bad.detail[0].msg, /cannot point to localhost or private IP addresses/);

  const deliveries = await polar.webhooks.listWebhookDeliveries({
    endpointId: [ep.id], succeeded: false, httpCodeClass: "5xx", eventType: ["customer.created", "order.created"],
    startTimestamp: new Date(Date.now() - 3600e3), endTimestamp: new Date(Date.now() + 3600e3), query: "500", limit: 5,
  });
  for await (const page of deliveries) {
    assert.deepEqual(page.result.items, []);
    assert.deepEqual(page.result.pagination, { totalCount: 0, maxPage: 0 });
  }

  const missing = await rejection(() => polar.webhooks.redeliverWebhookEvent({ id: unknownId }));
  assert.ok(missing instanceof ResourceNotFound, `redeliver unknown event: got ${missing}`);

  await polar.webhooks.deleteWebhookEndpoint({ id: ep.id });
  const gone = await rejection(() => polar.webhooks.getWebhookEndpoint({ id: ep.id }));
  assert.ok(gone instanceof ResourceNotFound, `deleted endpoint: got ${gone}`);
});
