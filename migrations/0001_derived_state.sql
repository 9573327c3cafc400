-- Derived state kept by triggers, so that every write path (single create, upsert, batch items,
-- saves from profiles, deletes, cascades) keeps it exact in the same statement as the row.
-- drizzle-kit does not model FTS5 tables or triggers, hence this hand-written migration.

-- Full-text index: `ws` is the workspace id without dashes (one token), so a search is scoped to
-- one workspace inside the index itself; `body` holds every searchable field.
CREATE VIRTUAL TABLE `contacts_fts` USING fts5(
	ws, body,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3 4'
);
--> statement-breakpoint
CREATE TRIGGER `contacts_plan_limit` BEFORE INSERT ON `contacts`
WHEN (SELECT `contact_limit` IS NOT NULL AND `contact_count` >= `contact_limit` FROM `workspaces` WHERE `id` = NEW.`workspace_id`)
BEGIN
	SELECT RAISE(ABORT, 'contact_limit_reached');
END;
--> statement-breakpoint
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
	INSERT INTO `contact_tags` (`contact_id`, `workspace_id`, `tag`)
		SELECT NEW.`id`, NEW.`workspace_id`, `value` FROM json_each(NEW.`tags`);
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_after_delete` AFTER DELETE ON `contacts`
BEGIN
	UPDATE `workspaces` SET `contact_count` = `contact_count` - 1 WHERE `id` = OLD.`workspace_id`;
	DELETE FROM `contacts_fts` WHERE rowid = OLD.rowid;
	DELETE FROM `contact_tags` WHERE `contact_id` = OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_after_update_text`
AFTER UPDATE OF `first_name`, `last_name`, `email`, `phone`, `phone_key`, `company`, `job_title`, `notes` ON `contacts`
BEGIN
	DELETE FROM `contacts_fts` WHERE rowid = OLD.rowid;
	INSERT INTO `contacts_fts` (rowid, ws, body) VALUES (
		NEW.rowid,
		replace(NEW.`workspace_id`, '-', ''),
		coalesce(NEW.`first_name`, '') || ' ' || coalesce(NEW.`last_name`, '') || ' ' ||
		coalesce(NEW.`email`, '') || ' ' || coalesce(NEW.`phone`, '') || ' ' ||
		coalesce(ltrim(NEW.`phone_key`, '+'), '') || ' ' || coalesce(NEW.`company`, '') || ' ' ||
		coalesce(NEW.`job_title`, '') || ' ' || coalesce(NEW.`notes`, '')
	);
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_after_update_tags` AFTER UPDATE OF `tags` ON `contacts`
BEGIN
	DELETE FROM `contact_tags` WHERE `contact_id` = OLD.`id`;
	INSERT INTO `contact_tags` (`contact_id`, `workspace_id`, `tag`)
		SELECT NEW.`id`, NEW.`workspace_id`, `value` FROM json_each(NEW.`tags`);
END;
