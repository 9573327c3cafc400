ALTER TABLE `workspaces` ADD `number` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `workspaces` SET `number` = rowid;--> statement-breakpoint
CREATE UNIQUE INDEX `workspaces_number` ON `workspaces` (`number`);