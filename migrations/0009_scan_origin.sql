ALTER TABLE `scans` ADD `country` text DEFAULT 'XX' NOT NULL;--> statement-breakpoint
ALTER TABLE `scans` ADD `device` text DEFAULT 'other' NOT NULL;