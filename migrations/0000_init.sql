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
CREATE TABLE `contact_tags` (
	`contact_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`contact_id`, `tag`)
);
--> statement-breakpoint
CREATE INDEX `contact_tags_tag` ON `contact_tags` (`workspace_id`,`tag`,`contact_id`);--> statement-breakpoint
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
CREATE UNIQUE INDEX `contacts_email` ON `contacts` (`workspace_id`,`email_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_phone` ON `contacts` (`workspace_id`,`phone_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_profile` ON `contacts` (`workspace_id`,`profile_id`);--> statement-breakpoint
CREATE INDEX `contacts_created` ON `contacts` (`workspace_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_updated` ON `contacts` (`workspace_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_name` ON `contacts` (`workspace_id`,`sort_name`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_stage` ON `contacts` (`workspace_id`,`stage`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_source` ON `contacts` (`workspace_id`,`source`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `contacts_site` ON `contacts` (`site_id`);--> statement-breakpoint
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
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`plan` text NOT NULL,
	`contact_limit` integer,
	`contact_count` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
