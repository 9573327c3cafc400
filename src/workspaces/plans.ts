import type { Workspace } from "./workspaces.table";

export const PLANS = ["free", "pro", "business"] as const;
export type Plan = (typeof PLANS)[number];

/** Contacts allowed per workspace; null is unlimited. */
export const CONTACT_LIMITS: Record<Plan, number | null> = {
  free: 100,
  pro: 10_000,
  business: null,
};

/** `{plan, limit, used, remaining}`; limit and remaining are null on unlimited plans. */
export function contactLimits({ plan, contactLimit, contactCount }: Pick<Workspace, "plan" | "contactLimit" | "contactCount">) {
  return {
    plan,
    limit: contactLimit,
    used: contactCount,
    remaining: contactLimit === null ? null : Math.max(0, contactLimit - contactCount),
  };
}
