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
CREATE INDEX `scans_workspace_source` ON `scans` (`workspace_id`,`source`,`scanned_at`,`id`);