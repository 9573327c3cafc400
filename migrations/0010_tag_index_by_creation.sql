-- The tag index carries each contact's creation time, so a tag's contacts come out of it newest
-- first: a page of one tag reads that page's entries, however many contacts carry the tag.
DROP INDEX `contact_tags_tag`;--> statement-breakpoint
ALTER TABLE `contact_tags` ADD `created_at` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `contact_tags` SET `created_at` = (SELECT `created_at` FROM `contacts` WHERE `contacts`.`id` = `contact_tags`.`contact_id`);--> statement-breakpoint
CREATE INDEX `contact_tags_tag_created` ON `contact_tags` (`workspace_id`,`tag`,`created_at`,`contact_id`);--> statement-breakpoint
DROP TRIGGER `contacts_after_insert`;--> statement-breakpoint
CREATE TRIGGER `contacts_after_insert` AFTER INSERT ON `contacts`
BEGIN
	UPDATE `workspaces` SET `contact_count` = `contact_count` + 1 WHERE `id` = NEW.`workspace_id`;
	INSERT INTO `contacts_fts` (rowid, ws, body) VALUES (
		NEW.rowid,
		replace(NEW.`workspace_id`, '-', ''),
		coalesce(NEW.`first_name`, '') || ' ' || coalesce(NEW.`last_name`, '') || ' ' ||
		coalesce(NEW.`email`, '') || ' ' || coalesce(NEW.`phone`, '') || ' ' ||
		coalesce(ltrim(NEW.`phone_key`, '+'), '') || ' ' || coalesce(NEW.`company`, '') || ' ' ||
		coalesce(NEW.`job_title`, '') || ' ' || coalesce(NEW.`notes`, '')
	);
	INSERT INTO `contact_tags` (`contact_id`, `workspace_id`, `tag`, `created_at`)
		SELECT NEW.`id`, NEW.`workspace_id`, `value`, NEW.`created_at` FROM json_each(NEW.`tags`);
END;--> statement-breakpoint
DROP TRIGGER `contacts_after_update_tags`;--> statement-breakpoint
CREATE TRIGGER `contacts_after_update_tags` AFTER UPDATE OF `tags` ON `contacts`
BEGIN
	DELETE FROM `contact_tags` WHERE `contact_id` = OLD.`id`;
	INSERT INTO `contact_tags` (`contact_id`, `workspace_id`, `tag`, `created_at`)
		SELECT NEW.`id`, NEW.`workspace_id`, `value`, NEW.`created_at` FROM json_each(NEW.`tags`);
END;
