CREATE TABLE `imports` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`status` text NOT NULL,
	`mode` text NOT NULL,
	`format` text NOT NULL,
	`tags` text NOT NULL,
	`file_key` text NOT NULL,
	`bytes` integer NOT NULL,
	`columns` text NOT NULL,
	`chunks` integer DEFAULT 0 NOT NULL,
	`next_offset` integer NOT NULL,
	`next_row` integer NOT NULL,
	`rows` integer DEFAULT 0 NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`errors` text NOT NULL,
	`ignored_fields` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`finished_at` text,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `imports_workspace` ON `imports` (`workspace_id`,`created_at`,`id`);