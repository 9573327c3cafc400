-- The search index's rows are keyed by workspace: a row's key (its rowid) is its workspace's
-- number in the high 32 bits and its contact's rowid in the low 32. A workspace's rows are then one
-- range of keys, which FTS5 seeks to itself, so a search reads the lists of its own words only;
-- before, each row carried a `ws` token and every search intersected its words with that token's
-- list, every contact of the workspace. The index is rebuilt from the contacts. Contacts' rowids
-- stay below 2^32 (a D1 database holds far fewer rows); the insert trigger refuses one that would not.
-- `columnsize = 0`: no per-row token counts, which only ranking (bm25) reads and Cardbox does not rank.
DROP TRIGGER `contacts_after_insert`;--> statement-breakpoint
DROP TRIGGER `contacts_after_delete`;--> statement-breakpoint
DROP TRIGGER `contacts_after_update_text`;--> statement-breakpoint
DROP TABLE `contacts_fts`;--> statement-breakpoint
CREATE VIRTUAL TABLE `contacts_fts` USING fts5(
	body,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3 4 5 6',
	columnsize = 0
);--> statement-breakpoint
INSERT INTO `contacts_fts` (rowid, body)
SELECT (w.`number` << 32) + c.rowid,
	coalesce(c.`first_name`, '') || ' ' || coalesce(c.`last_name`, '') || ' ' ||
		coalesce(c.`email`, '') || ' ' || coalesce(c.`phone`, '') || ' ' ||
		coalesce(ltrim(c.`phone_key`, '+'), '') || ' ' || coalesce(c.`company`, '') || ' ' ||
		coalesce(c.`job_title`, '') || ' ' || coalesce(c.`notes`, '')
FROM `contacts` AS c JOIN `workspaces` AS w ON w.`id` = c.`workspace_id`;--> statement-breakpoint
CREATE TRIGGER `contacts_after_insert` AFTER INSERT ON `contacts`
BEGIN
	SELECT RAISE(ABORT, 'contact_rowid_out_of_range') WHERE NEW.rowid > 4294967295;
	UPDATE `workspaces` SET `contact_count` = `contact_count` + 1 WHERE `id` = NEW.`workspace_id`;
	INSERT INTO `contacts_fts` (rowid, body) VALUES (
		((SELECT `number` FROM `workspaces` WHERE `id` = NEW.`workspace_id`) << 32) + NEW.rowid,
		coalesce(NEW.`first_name`, '') || ' ' || coalesce(NEW.`last_name`, '') || ' ' ||
		coalesce(NEW.`email`, '') || ' ' || coalesce(NEW.`phone`, '') || ' ' ||
		coalesce(ltrim(NEW.`phone_key`, '+'), '') || ' ' || coalesce(NEW.`company`, '') || ' ' ||
		coalesce(NEW.`job_title`, '') || ' ' || coalesce(NEW.`notes`, '')
	);
	INSERT INTO `contact_tags` (`contact_id`, `workspace_id`, `tag`, `created_at`)
		SELECT NEW.`id`, NEW.`workspace_id`, `value`, NEW.`created_at` FROM json_each(NEW.`tags`);
END;--> statement-breakpoint
CREATE TRIGGER `contacts_after_delete` AFTER DELETE ON `contacts`
BEGIN
	UPDATE `workspaces` SET `contact_count` = `contact_count` - 1 WHERE `id` = OLD.`workspace_id`;
	DELETE FROM `contacts_fts` WHERE rowid = ((SELECT `number` FROM `workspaces` WHERE `id` = OLD.`workspace_id`) << 32) + OLD.rowid;
	DELETE FROM `contact_tags` WHERE `contact_id` = OLD.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `contacts_after_update_text`
AFTER UPDATE OF `first_name`, `last_name`, `email`, `phone`, `phone_key`, `company`, `job_title`, `notes` ON `contacts`
BEGIN
	DELETE FROM `contacts_fts` WHERE rowid = ((SELECT `number` FROM `workspaces` WHERE `id` = OLD.`workspace_id`) << 32) + OLD.rowid;
	INSERT INTO `contacts_fts` (rowid, body) VALUES (
		((SELECT `number` FROM `workspaces` WHERE `id` = NEW.`workspace_id`) << 32) + NEW.rowid,
		coalesce(NEW.`first_name`, '') || ' ' || coalesce(NEW.`last_name`, '') || ' ' ||
		coalesce(NEW.`email`, '') || ' ' || coalesce(NEW.`phone`, '') || ' ' ||
		coalesce(ltrim(NEW.`phone_key`, '+'), '') || ' ' || coalesce(NEW.`company`, '') || ' ' ||
		coalesce(NEW.`job_title`, '') || ' ' || coalesce(NEW.`notes`, '')
	);
END;--> statement-breakpoint
-- A new workspace's number: one more than any other's.
CREATE TRIGGER `workspaces_after_insert` AFTER INSERT ON `workspaces`
BEGIN
	UPDATE `workspaces` SET `number` = (SELECT max(`number`) FROM `workspaces`) + 1 WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
-- A deleted workspace's search rows go first (its contacts follow by cascade, when the workspace
-- and so their keys can no longer be found), so a later workspace given its number starts empty.
CREATE TRIGGER `workspaces_before_delete` BEFORE DELETE ON `workspaces`
BEGIN
	DELETE FROM `contacts_fts` WHERE rowid BETWEEN OLD.`number` << 32 AND (OLD.`number` << 32) + 4294967295;
END;
