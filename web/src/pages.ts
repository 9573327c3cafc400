import type { FunctionComponent } from "preact";
import type { Permission } from "./api";
import { AnalyticsPage } from "./pages/analytics";
import { CardsPage } from "./pages/cards";
import { ContactsPage } from "./pages/contacts";
import { DuplicatesPage } from "./pages/duplicates";
import { ImportsPage } from "./pages/imports";
import { KeysPage } from "./pages/keys";
import { LivePage } from "./pages/live";
import { WebhooksPage } from "./pages/webhooks";

export interface PageEntry {
  /** Its path below /app. */
  path: string;
  label: string;
  /** The permission a key needs to see the page at all. */
  permission: Permission;
  /** Absent until the page is built: such an entry is in no menu and no route. */
  page?: FunctionComponent;
}

/**
 * The console's pages, in menu order. A planned one waits on an API feature being built; giving
 * an entry its `page` puts it in the menu and the router.
 */
export const PAGES: readonly PageEntry[] = [
  { path: "contacts", label: "Contacts", permission: "contacts:read", page: ContactsPage },
  { path: "duplicates", label: "Duplicates", permission: "contacts:write", page: DuplicatesPage },
  { path: "imports", label: "Imports and exports", permission: "contacts:write", page: ImportsPage },
  { path: "cards", label: "Cards", permission: "contacts:read", page: CardsPage },
  { path: "analytics", label: "Analytics", permission: "contacts:read", page: AnalyticsPage },
  { path: "live", label: "Live", permission: "contacts:read", page: LivePage },
  { path: "webhooks", label: "Webhooks", permission: "webhooks:manage", page: WebhooksPage },
  { path: "keys", label: "API keys", permission: "keys:manage", page: KeysPage },
];

/** The pages this key may see, built ones only. */
export const pagesFor = (can: (permission: Permission) => boolean) => PAGES.filter((entry) => entry.page && can(entry.permission));
