// Drives Gatehouse with Polar's current SDK, @polar-sh/sdk@1.0.1, through
// each API version it ships (2026-04, 2026-10, 2027-01). It does not
// validate responses, so the assertions here check every value it returns.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as v202604 from "sdk101/2026-04";
import * as v202610 from "sdk101/2026-10";
import * as v202701 from "sdk101/2027-01";
import { PolarClientError } from "sdk101";
import { baseUrl, token, orgSlug, runTag, email, unknownId, rejection, polarEventTypes, hookURL } from "./lib.mjs";

const { createPolar, errors } = v202610;
const polar = createPolar({ accessToken: token, baseUrl });
const run = runTag("v101");
const state = {};

const customerKeys = [
  "id", "created_at", "modified_at", "metadata", "external_id", "email", "email_verified", "type", "name",
  "billing_name", "billing_address", "tax_id", "locale", "organization_id", "default_payment_method_id",
  "deleted_at", "first_user_event_at", "avatar_url",
];

test("1.0.1 create customer", async () => {
  const c = await polar.customers.create({
    email: email(run, "jane"),
    external_id: `${run}-jane`,
    name: "Jane Doe",
    metadata: { run, tier: "gold", seats: 3 },
  });
  for (const k of customerKeys) assert.ok(k in c, `customer lacks ${k}`);
  assert.equal(c.email, email(run, "jane"));
  assert.equal(c.external_id, `${run}-jane`);
  assert.equal(c.type, "individual");
  assert.equal(c.email_verified, false);
  assert.equal(c.billing_name, "Jane Doe");
  assert.equal(c.modified_at, null);
  assert.equal(c.deleted_at, null);
  assert.match(c.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.deepEqual(c.metadata, { run, tier: "gold", seats: 3 });
  state.jane = c;

  const dup = await rejection(() => polar.customers.create({ email: email(run, "jane").toUpperCase() }));
  assert.ok(dup instanceof errors.HTTPValidationError, `duplicate email: got ${dup}`);
  assert.equal(dup.statusCode, 422);
  assert.deepEqual(dup.error.detail[0].loc, ["body", "email"]);

  const bad = await rejection(() => polar.customers.create({ email: email(run, "x"), metadata: { k: "" } }));
  assert.ok(bad instanceof errors.HTTPValidationError, `empty metadata value: got ${bad}`);
  assert.equal(bad.error.detail.length, 4);
});

test("1.0.1 list with filters and pagination", async () => {
  for (const name of ["bob", "carol", "dave", "erin"]) {
    await polar.customers.create({ email: email(run, name), external_id: `${run}-${name}`, name, metadata: { run, tier: name === "carol" ? "gold" : "free" } });
  }
  const first = await polar.customers.list({ metadata: { run }, limit: 2 });
  assert.deepEqual(first.pagination, { total_count: 5, max_page: 3 });
  assert.equal(first.items.length, 2);

  const ids = [];
  for await (const c of polar.customers.iterList({ metadata: { run }, limit: 2 })) ids.push(c.id);
  assert.equal(ids.length, 5);
  assert.equal(new Set(ids).size, 5);

  const byEmail = await polar.customers.list({ email: email(run, "bob").toUpperCase() });
  assert.deepEqual(byEmail.items.map((c) => c.name), ["bob"]);

  const byQuery = await polar.customers.list({ query: `${run}-er` });
  assert.deepEqual(byQuery.items.map((c) => c.name), ["erin"]);

  const gold = await polar.customers.list({ metadata: { run, tier: "gold" }, sorting: ["-name"] });
  assert.deepEqual(gold.items.map((c) => c.name), ["Jane Doe", "carol"]);

  const several = await polar.customers.list({ metadata: { run, tier: ["gold", "free"] }, limit: 100 });
  assert.equal(several.pagination.total_count, 5);

  const bad = await rejection(() => polar.customers.list({ sorting: ["shoe_size"] }));
  assert.ok(bad instanceof errors.HTTPValidationError, `bad sorting: got ${bad}`);
  assert.deepEqual(bad.error.detail[0].loc, ["query", "sorting", 0]);
});

test("1.0.1 get and get external", async () => {
  assert.equal((await polar.customers.get(state.jane.id)).id, state.jane.id);
  assert.equal((await polar.customers.getExternal(`${run}-jane`)).id, state.jane.id);

  const nf = await rejection(() => polar.customers.get(unknownId));
  assert.ok(nf instanceof errors.ResourceNotFound, `unknown id: got ${nf}`);
  assert.equal(nf.statusCode, 404);
  assert.deepEqual(nf.error, { error: "ResourceNotFound", detail: "Not found" });
  const nfe = await rejection(() => polar.customers.getExternal(`${run}-nobody`));
  assert.ok(nfe instanceof errors.ResourceNotFound, `unknown external id: got ${nfe}`);
  const badID = await rejection(() => polar.customers.get("not-a-uuid"));
  assert.ok(badID instanceof errors.HTTPValidationError, `malformed id: got ${badID}`);
  assert.deepEqual(badID.error.detail[0].loc, ["path", "id"]);
});

test("1.0.1 update and update external", async () => {
  const u = await polar.customers.update(state.jane.id, { name: "Jane Q. Doe", metadata: { run, tier: "platinum" } });
  assert.equal(u.name, "Jane Q. Doe");
  assert.deepEqual(u.metadata, { run, tier: "platinum" });
  assert.notEqual(u.modified_at, null);

  const ue = await polar.customers.updateExternal(`${run}-jane`, { billing_address: { country: "de", city: "Berlin" }, tax_id: "DE 136 695 976" });
  assert.equal(ue.billing_address.country, "DE");
  assert.deepEqual(ue.tax_id, ["DE136695976", "eu_vat"]);

  const bad = await rejection(() => polar.customers.update(state.jane.id, { billing_address: null }));
  assert.ok(bad instanceof errors.HTTPValidationError, `null address: got ${bad}`);
  const nf = await rejection(() => polar.customers.updateExternal(`${run}-nobody`, { name: "x" }));
  assert.ok(nf instanceof errors.ResourceNotFound, `unknown external id: got ${nf}`);
});

test("1.0.1 state and export", async () => {
  const s = await polar.customers.getState(state.jane.id);
  assert.deepEqual([s.active_subscriptions, s.granted_benefits, s.active_meters], [[], [], []]);
  assert.equal((await polar.customers.getStateExternal(`${run}-jane`)).id, state.jane.id);
  const csv = await polar.customers.export();
  assert.match(csv, /^ID,External ID,Created At,Email,Name,/);
  assert.ok(csv.includes(state.jane.id));
});

test("1.0.1 customer sessions by id and by external id", async () => {
  const s = await polar.customerSessions.create({ customer_id: state.jane.id, return_url: "https://example.com/account" });
  for (const k of ["created_at", "modified_at", "id", "token", "expires_at", "return_url", "customer_portal_url", "customer_id", "customer"]) {
    assert.ok(k in s, `customer session lacks ${k}`);
  }
  assert.equal(s.customer_id, state.jane.id);
  assert.equal(s.return_url, "https://example.com/account");
  assert.equal(s.modified_at, null);
  assert.equal(Date.parse(s.expires_at) - Date.parse(s.created_at), 3600 * 1000);
  const u = new URL(s.customer_portal_url);
  assert.equal(u.origin + u.pathname, `${baseUrl}/${orgSlug}/portal`);
  assert.equal(u.searchParams.get("customer_session_token"), s.token);
  assert.equal(u.searchParams.get("email"), email(run, "jane"));
  state.session = s;

  const se = await polar.customerSessions.create({ external_customer_id: `${run}-jane`, return_url: "https://example.com" });
  assert.equal(se.customer_id, state.jane.id);
  assert.equal(se.return_url, "https://example.com/");

  const bad = await rejection(() => polar.customerSessions.create({ external_customer_id: `${run}-nobody` }));
  assert.ok(bad instanceof errors.HTTPValidationError, `unknown customer: got ${bad}`);
  assert.deepEqual(bad.error.detail[0].loc, ["body", "external_customer_id"]);
});

test("1.0.1 customer portal, with every API version", async () => {
  for (const v of [v202604, v202610, v202701]) {
    const portal = v.createPolar({ accessToken: state.session.token, baseUrl });
    const me = await portal.customerPortal.customers.get();
    assert.equal(me.id, state.jane.id);
  }
  const accessToken = state.session.token;
  const me = await polar.customerPortal.customers.get({ accessToken });
  assert.equal(me.email, email(run, "jane"));
  assert.deepEqual(me.oauth_accounts, {});

  const upd = await polar.customerPortal.customers.update({ billing_name: "Jane GmbH", billing_address: { country: "DE", line1: "Unter den Linden 1" } }, { accessToken });
  assert.equal(upd.billing_name, "Jane GmbH");
  assert.equal(upd.billing_address.line1, "Unter den Linden 1");
  assert.deepEqual(upd.tax_id, ["DE136695976", "eu_vat"]);
  const bad = await rejection(() => polar.customerPortal.customers.update({ tax_id: "GB000000000" }, { accessToken }));
  assert.ok(bad instanceof errors.HTTPValidationError, `tax id of the wrong country: got ${bad}`);

  const intro = await polar.customerPortal.customerSession.introspect({ accessToken });
  // The contract's two keys, plus Gatehouse's organization_id.
  assert.deepEqual(Object.keys(intro).sort(), ["expires_at", "organization_id", "return_url"]);
  assert.equal(intro.expires_at, state.session.expires_at);
  assert.equal(intro.return_url, "https://example.com/account");
  assert.match(intro.organization_id, /^[0-9a-f-]{36}$/);
  assert.equal(intro.organization_id, state.jane.organization_id);

  const user = await polar.customerPortal.customerSession.getAuthenticatedUser({ accessToken });
  assert.deepEqual(user, { type: "customer", name: "Jane Q. Doe", email: email(run, "jane"), customer_id: state.jane.id, member_id: null, role: null });

  const org = await polar.customerPortal.organizations.get(orgSlug);
  assert.equal(org.organization.slug, orgSlug);
  assert.equal(org.organization.proration_behavior, "prorate");
  assert.deepEqual(org.products, []);
  const nf = await rejection(() => polar.customerPortal.organizations.get(`${run}-nope`));
  assert.ok(nf instanceof errors.ResourceNotFound, `unknown slug: got ${nf}`);
});

test("1.0.1 delete, delete external, and what it does to sessions", async () => {
  await polar.customers.delete(state.jane.id);
  const nf = await rejection(() => polar.customers.get(state.jane.id));
  assert.ok(nf instanceof errors.ResourceNotFound, `deleted customer: got ${nf}`);
  const again = await rejection(() => polar.customers.delete(state.jane.id));
  assert.ok(again instanceof errors.ResourceNotFound, `second delete: got ${again}`);

  const gone = await rejection(() => polar.customerPortal.customers.get({ accessToken: state.session.token }));
  assert.ok(gone instanceof PolarClientError, `session of a deleted customer: got ${gone}`);
  assert.equal(gone.statusCode, 401);

  await polar.customers.deleteExternal(`${run}-bob`, { anonymize: true });
  const nfe = await rejection(() => polar.customers.getExternal(`${run}-bob`));
  assert.ok(nfe instanceof errors.ResourceNotFound, `deleted external: got ${nfe}`);
  // The external ID is free again.
  const reborn = await polar.customers.create({ email: email(run, "bob"), external_id: `${run}-bob` });
  assert.equal((await polar.customers.getExternal(`${run}-bob`)).id, reborn.id);
});

test("1.0.1 bad credentials are PolarClientError 401", async () => {
  const anon = createPolar({ accessToken: "gatehouse_oat_not-a-real-token", baseUrl });
  const err = await rejection(() => anon.customers.list());
  assert.ok(err instanceof PolarClientError, `bad token: got ${err}`);
  assert.equal(err.statusCode, 401);
  const portal = await rejection(() => polar.customerPortal.customers.get());
  assert.ok(portal instanceof PolarClientError, `organization token on the portal: got ${portal}`);
  assert.equal(portal.statusCode, 401);
  assert.ok(!(portal instanceof errors.ResourceNotFound));
});

const endpointKeys = ["created_at", "modified_at", "id", "url", "name", "format", "secret", "organization_id", "events", "enabled"];

test("1.0.1 webhook endpoints", async () => {
  const ep = await polar.webhooks.createWebhookEndpoint({ url: ` ${hookURL(run, "all")} `, format: "raw", events: polarEventTypes });
  for (const k of endpointKeys) assert.ok(k in ep, `endpoint lacks ${k}`);
  assert.equal(ep.url, hookURL(run, "all"));
  assert.equal(ep.name, null);
  assert.deepEqual(ep.events, polarEventTypes);
  assert.equal(ep.enabled, true);
  assert.equal(ep.modified_at, null);
  assert.match(ep.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);

  assert.equal((await polar.webhooks.getWebhookEndpoint(ep.id)).secret, ep.secret);
  const list = await polar.webhooks.listWebhookEndpoints({ limit: 100 });
  assert.ok(list.items.some((e) => e.id === ep.id), "the new endpoint is listed");
  assert.ok(list.pagination.total_count >= 1);

  const up = await polar.webhooks.updateWebhookEndpoint(ep.id, { name: "renamed", url: null, enabled: false });
  assert.equal(up.name, "renamed");
  assert.equal(up.url, ep.url);
  assert.equal(up.enabled, false);
  assert.match(up.modified_at, /Z$/);

  const rot = await polar.webhooks.resetWebhookEndpointSecret(ep.id);
  assert.notEqual(rot.secret, ep.secret);

  const bad = await rejection(() => polar.webhooks.createWebhookEndpoint({ url: "http://example.com/h", format: "raw", events: ["nope"] }));
  assert.ok(bad instanceof errors.HTTPValidationError, `http URL and unknown type: got ${bad}`);
  assert.equal(bad.statusCode, 422);
  assert.deepEqual(bad.error.detail.map((d) => d.loc), [["body", "url"], ["body", "events", 0]]);

  const deliveries = await polar.webhooks.listWebhookDeliveries({
    endpoint_id: [ep.id], succeeded: true, http_code_class: "2xx", event_type: ["customer.updated"],
    start_timestamp: new Date(Date.now() - 3600e3).toISOString(), query: ep.id.slice(0, 8), page: 1, limit: 10,
  });
  assert.deepEqual(deliveries, { items: [], pagination: { total_count: 0, max_page: 0 } });

  const missing = await rejection(() => polar.webhooks.redeliverWebhookEvent(unknownId));
  assert.ok(missing instanceof errors.ResourceNotFound, `redeliver unknown event: got ${missing}`);
  assert.equal(missing.statusCode, 404);

  await polar.webhooks.deleteWebhookEndpoint(ep.id);
  const gone = await rejection(() => polar.webhooks.getWebhookEndpoint(ep.id));
  assert.ok(gone instanceof errors.ResourceNotFound, `deleted endpoint: got ${gone}`);
});
