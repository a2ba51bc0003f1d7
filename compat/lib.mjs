// Shared setup of the SDK compatibility suites: where Gatehouse runs, the
// organization token to use, and names unique to one run so that suites
// running at the same time against one server do not see each other's
// customers.
import { randomUUID } from "node:crypto";

function required(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: start "gatehouse serve" and run with ${name}=... (see compat/README.md)`);
  }
  return v;
}

/** Base URL of the running Gatehouse, without a trailing slash. */
export const baseUrl = required("GATEHOUSE_URL").replace(/\/+$/, "");
/** An organization access token with every scope. */
export const token = required("GATEHOUSE_TOKEN");
/** Slug of the token's organization. */
export const orgSlug = process.env.GATEHOUSE_ORG_SLUG || "acme";

/** A run-unique tag to scope names, emails and list filters. */
export function runTag(prefix) {
  return `${prefix}${randomUUID().slice(0, 8)}`;
}

/** A fresh email address (plus-addressed, to exercise URL encoding). */
export function email(run, name) {
  return `${name}+${run}@example.com`;
}

/** A UUID v4 that names no customer. */
export const unknownId = "6f1c3a52-8b2e-4c1d-9a7e-2f0b5d4c3e21";

/** Returns the error fn rejects with (fails if it resolves). */
export async function rejection(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** Every value of Polar's WebhookEventType (Gatehouse accepts them all). */
export const polarEventTypes = [
  "checkout.created", "checkout.updated", "checkout.expired",
  "customer.created", "customer.updated", "customer.deleted", "customer.state_changed",
  "customer_seat.assigned", "customer_seat.claimed", "customer_seat.revoked",
  "member.created", "member.updated", "member.deleted",
  "order.created", "order.updated", "order.paid", "order.refunded",
  "subscription.created", "subscription.updated", "subscription.active", "subscription.canceled",
  "subscription.uncanceled", "subscription.cycled", "subscription.revoked", "subscription.past_due",
  "subscription.paused", "subscription.resumed",
  "refund.created", "refund.updated", "product.created", "product.updated",
  "discount.created", "discount.updated", "discount.deleted",
  "benefit.created", "benefit.updated",
  "benefit_grant.created", "benefit_grant.cycled", "benefit_grant.updated", "benefit_grant.revoked",
  "organization.updated",
];

/** A public https URL for webhook endpoints that are never sent to. */
export function hookURL(run, name) {
  return `https://hooks.example.com/${run}/${name}`;
}
