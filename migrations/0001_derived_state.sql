-- Derived state kept by triggers, so every write path (create, upsert, batch items, saves from
-- profiles, deletes, cascades) keeps it exact in the same statement as the row. drizzle-kit does not
-- model FTS5 tables, views or triggers, hence this hand-written migration.
--
-- The full-text index. A row's key (its rowid) is its workspace's number in the high 32 bits and its
-- contact's rowid in the low 32, so a workspace's rows are one range of keys that FTS5 seeks to by
-- itself. Prefix indexes for every word length from 2 to 12: FTS5 answers a prefix query from the
-- index of that length by reading one list as far as it needs; a longer word is answered by merging
-- the lists of every word it starts (exact, slower). `columnsize = 0`: no per-row token counts,
-- which only ranking reads, and Cardbox does not rank.

CREATE VIRTUAL TABLE `contacts_fts` USING fts5(
	body,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3 4 5 6 7 8 9 10 11 12',
	columnsize = 0
);--> statement-breakpoint

-- A new workspace's number: one more than any other's. A deleted workspace's search rows go
-- first (its contacts follow by cascade, when their keys can no longer be found), so a later
-- workspace given its number starts empty.

CREATE TRIGGER `workspaces_after_insert` AFTER INSERT ON `workspaces`
BEGIN
	UPDATE `workspaces` SET `number` = (SELECT max(`number`) FROM `workspaces`) + 1 WHERE `id` = NEW.`id`;
END;--> statement-breakpoint

CREATE TRIGGER `workspaces_before_delete` BEFORE DELETE ON `workspaces`
BEGIN
	DELETE FROM `contacts_fts` WHERE rowid BETWEEN OLD.`number` << 32 AND (OLD.`number` << 32) + 4294967295;
END;--> statement-breakpoint

-- Plan limits: D1 runs writes one at a time, so a BEFORE INSERT check against the trigger-kept
-- counter is exact under any concurrency.

CREATE TRIGGER `contacts_plan_limit` BEFORE INSERT ON `contacts`
WHEN (SELECT `contact_limit` IS NOT NULL AND `contact_count` >= `contact_limit` FROM `workspaces` WHERE `id` = NEW.`workspace_id`)
BEGIN
	SELECT RAISE(ABORT, 'contact_limit_reached');
END;--> statement-breakpoint

-- The workspace's contact counter, the search index and the tag index follow every contact write.
-- A contact's rowid above 2^32 would not fit its search key, so it is refused.

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

CREATE TRIGGER `contacts_after_update_tags` AFTER UPDATE OF `tags` ON `contacts`
BEGIN
	DELETE FROM `contact_tags` WHERE `contact_id` = OLD.`id`;
	INSERT INTO `contact_tags` (`contact_id`, `workspace_id`, `tag`, `created_at`)
		SELECT NEW.`id`, NEW.`workspace_id`, `value`, NEW.`created_at` FROM json_each(NEW.`tags`);
END;--> statement-breakpoint

-- Each profile's per-source scan totals (the workspace analytics roll-up) follow the scans table.

CREATE TRIGGER `scans_after_insert` AFTER INSERT ON `scans`
BEGIN
	UPDATE `profiles` SET
		`scans_qr_scan` = `scans_qr_scan` + (NEW.`source` = 'qr_scan'),
		`scans_web` = `scans_web` + (NEW.`source` = 'web'),
		`scans_mcp` = `scans_mcp` + (NEW.`source` = 'mcp')
	WHERE `id` = NEW.`profile_id`;
END;--> statement-breakpoint

-- workspaces.enabled_webhooks stays exact, so requests of workspaces without webhooks skip all
-- outbox work.

CREATE TRIGGER `webhooks_after_insert` AFTER INSERT ON `webhooks` WHEN NEW.`enabled` = 1
BEGIN
	UPDATE `workspaces` SET `enabled_webhooks` = `enabled_webhooks` + 1 WHERE `id` = NEW.`workspace_id`;
END;--> statement-breakpoint

CREATE TRIGGER `webhooks_after_delete` AFTER DELETE ON `webhooks` WHEN OLD.`enabled` = 1
BEGIN
	UPDATE `workspaces` SET `enabled_webhooks` = `enabled_webhooks` - 1 WHERE `id` = OLD.`workspace_id`;
END;--> statement-breakpoint

CREATE TRIGGER `webhooks_after_update_enabled` AFTER UPDATE OF `enabled` ON `webhooks` WHEN OLD.`enabled` <> NEW.`enabled`
BEGIN
	UPDATE `workspaces` SET `enabled_webhooks` = `enabled_webhooks` + (CASE WHEN NEW.`enabled` = 1 THEN 1 ELSE -1 END) WHERE `id` = NEW.`workspace_id`;
END;--> statement-breakpoint

-- A request authenticated from the isolate's key cache proves its key is still live inside its
-- first D1 round trip. For a batch that writes, that proof must abort the whole batch, so it is an
-- insert into this view: the trigger raises when the key is revoked or gone; otherwise nothing is
-- stored.

CREATE VIEW `api_key_guard` AS SELECT NULL AS `key_id`;--> statement-breakpoint

CREATE TRIGGER `api_key_guard_check` INSTEAD OF INSERT ON `api_key_guard`
BEGIN
	SELECT RAISE(ABORT, 'api_key_revoked')
	WHERE NOT EXISTS (SELECT 1 FROM `api_keys` WHERE `id` = NEW.`key_id` AND `revoked_at` IS NULL);
END;
