export const PLANS = ["free", "pro", "business"] as const;
export type Plan = (typeof PLANS)[number];

/** Contacts allowed per workspace; null is unlimited. */
export const CONTACT_LIMITS: Record<Plan, number | null> = {
  free: 100,
  pro: 10_000,
  business: null,
};
