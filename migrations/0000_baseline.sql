CREATE TABLE `contact_tags` (
	`contact_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`tag` text NOT NULL,
	`created_at` text DEFAULT '' NOT NULL,
	PRIMARY KEY(`contact_id`, `tag`)
);
--> statement-breakpoint
CREATE INDEX `contact_tags_tag_created` ON `contact_tags` (`workspace_id`,`tag`,`created_at`,`contact_id`);--> statement-breakpoint
CREATE TABLE `contact_tombstones` (
	`workspace_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`deleted_at` text NOT NULL,
	PRIMARY KEY(`workspace_id`, `contact_id`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `contact_tombstones_deleted` ON `contact_tombstones` (`workspace_id`,`deleted_at`,`contact_id`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`first_name` text,
	`last_name` text,
	`sort_name` text NOT NULL,
	`email` text,
	`email_key` text,
	`phone` text,
	`phone_key` text,
	`job_title` text,
	`company` text,
	`location` text,
	`linkedin_url` text,
	`photo_url` text,
	`stage` text NOT NULL,
	`notes` text,
	`custom_fields` text DEFAULT '{}' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`site_id` text,
	`source` text NOT NULL,
	`profile_id` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`saved_at` text NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_email` ON `contacts` (`workspace_id`,`email_key`) WHERE "contacts"."email_key" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_phone` ON `contacts` (`workspace_id`,`phone_key`) WHERE "contacts"."phone_key" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_profile` ON `contacts` (`workspace_id`,`profile_id`) WHERE "contacts"."profile_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `contacts_created` ON `contacts` (`workspace_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_updated` ON `contacts` (`workspace_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_name` ON `contacts` (`workspace_id`,`sort_name`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_stage` ON `contacts` (`workspace_id`,`stage`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_source` ON `contacts` (`workspace_id`,`source`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_site` ON `contacts` (`site_id`) WHERE "contacts"."site_id" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`workspace_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer,
	`response_body` text,
	`response_headers` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	PRIMARY KEY(`workspace_id`, `key`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expiry` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`permissions` text NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_workspace` ON `api_keys` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `profile_handles` (
	`handle` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `profiles` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`handle` text NOT NULL,
	`name` text NOT NULL,
	`title` text,
	`company` text,
	`location` text,
	`photo_url` text,
	`email` text,
	`phone` text,
	`website` text,
	`bio` text,
	`public` integer NOT NULL,
	`scans_qr_scan` integer DEFAULT 0 NOT NULL,
	`scans_web` integer DEFAULT 0 NOT NULL,
	`scans_mcp` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `profiles_handle` ON `profiles` (`handle`);--> statement-breakpoint
CREATE INDEX `profiles_workspace` ON `profiles` (`workspace_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `scans` (
	`id` text PRIMARY KEY NOT NULL,
	`profile_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`source` text NOT NULL,
	`referrer` text,
	`scanned_at` text NOT NULL,
	FOREIGN KEY (`profile_id`) REFERENCES `profiles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `scans_workspace` ON `scans` (`workspace_id`,`scanned_at`,`id`);--> statement-breakpoint
CREATE INDEX `scans_profile` ON `scans` (`profile_id`,`scanned_at`,`id`);--> statement-breakpoint
CREATE INDEX `scans_workspace_source` ON `scans` (`workspace_id`,`source`,`scanned_at`,`id`);--> statement-breakpoint
CREATE TABLE `sites` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`title` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sites_workspace` ON `sites` (`workspace_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`webhook_id` text NOT NULL,
	`message_id` text NOT NULL,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`attempt` integer NOT NULL,
	`status` integer,
	`duration_ms` integer NOT NULL,
	`error` text,
	`attempted_at` text NOT NULL,
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_webhook` ON `webhook_deliveries` (`webhook_id`,`attempted_at`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`enqueued_at` text,
	`fanned_out_at` text,
	`only_webhook_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_events_pending` ON `webhook_events` (`fanned_out_at`,`enqueued_at`);--> statement-breakpoint
CREATE TABLE `webhook_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`webhook_id` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`event_id`) REFERENCES `webhook_events`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_messages_event_endpoint` ON `webhook_messages` (`event_id`,`webhook_id`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`description` text,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_secret_expires_at` text,
	`enabled` integer NOT NULL,
	`disabled_reason` text,
	`failed_messages_in_a_row` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhooks_workspace` ON `webhooks` (`workspace_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`plan` text NOT NULL,
	`contact_limit` integer,
	`contact_count` integer DEFAULT 0 NOT NULL,
	`enabled_webhooks` integer DEFAULT 0 NOT NULL,
	`number` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workspaces_number` ON `workspaces` (`number`);