-- Keeps workspaces.enabled_webhooks exact, so requests of workspaces without webhooks skip all
-- outbox work (read from the workspace row the API-key lookup already loads).
CREATE TRIGGER `webhooks_after_insert` AFTER INSERT ON `webhooks` WHEN NEW.`enabled` = 1
BEGIN
	UPDATE `workspaces` SET `enabled_webhooks` = `enabled_webhooks` + 1 WHERE `id` = NEW.`workspace_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `webhooks_after_delete` AFTER DELETE ON `webhooks` WHEN OLD.`enabled` = 1
BEGIN
	UPDATE `workspaces` SET `enabled_webhooks` = `enabled_webhooks` - 1 WHERE `id` = OLD.`workspace_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `webhooks_after_update_enabled` AFTER UPDATE OF `enabled` ON `webhooks` WHEN OLD.`enabled` <> NEW.`enabled`
BEGIN
	UPDATE `workspaces` SET `enabled_webhooks` = `enabled_webhooks` + (CASE WHEN NEW.`enabled` = 1 THEN 1 ELSE -1 END) WHERE `id` = NEW.`workspace_id`;
END;
