-- The unique keys (email, phone, profile) and the site index leave out contacts without a value:
-- most contacts lack some of them, and each such contact then costs no index entry on its writes.
-- Lookups by value (`col = ?`) imply NOT NULL and use these indexes as before.
DROP INDEX `contacts_email`;--> statement-breakpoint
DROP INDEX `contacts_phone`;--> statement-breakpoint
DROP INDEX `contacts_profile`;--> statement-breakpoint
DROP INDEX `contacts_site`;--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_email` ON `contacts` (`workspace_id`,`email_key`) WHERE "contacts"."email_key" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_phone` ON `contacts` (`workspace_id`,`phone_key`) WHERE "contacts"."phone_key" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_profile` ON `contacts` (`workspace_id`,`profile_id`) WHERE "contacts"."profile_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `contacts_site` ON `contacts` (`site_id`) WHERE "contacts"."site_id" IS NOT NULL;