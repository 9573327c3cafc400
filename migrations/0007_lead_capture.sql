CREATE TABLE `held_leads` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`profile_id` text NOT NULL,
	`lead` text NOT NULL,
	`consent_at` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `held_leads_workspace` ON `held_leads` (`workspace_id`,`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `contacts` ADD `captured_by_profile_id` text;--> statement-breakpoint
ALTER TABLE `contacts` ADD `consent_at` text;--> statement-breakpoint
ALTER TABLE `profiles` ADD `lead_capture` text DEFAULT 'on' NOT NULL;--> statement-breakpoint
ALTER TABLE `profiles` ADD `leads` integer DEFAULT 0 NOT NULL;