CREATE TABLE `contact_custom_fields` (
	`contact_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`key` text NOT NULL,
	`value_text` text,
	`value_num` real,
	PRIMARY KEY(`contact_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `contact_custom_fields_text` ON `contact_custom_fields` (`workspace_id`,`key`,`value_text`,`contact_id`);--> statement-breakpoint
CREATE INDEX `contact_custom_fields_num` ON `contact_custom_fields` (`workspace_id`,`key`,`value_num`,`contact_id`) WHERE "contact_custom_fields"."value_num" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `contact_name_companies` (
	`workspace_id` text NOT NULL,
	`sort_name` text NOT NULL,
	`company_key` text NOT NULL,
	`contacts` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `sort_name`, `company_key`)
);
--> statement-breakpoint
CREATE INDEX `contact_name_companies_shared` ON `contact_name_companies` (`workspace_id`,`sort_name`,`company_key`,`contacts`) WHERE "contact_name_companies"."contacts" > 1;--> statement-breakpoint
ALTER TABLE `contact_tombstones` ADD `merged_into` text;