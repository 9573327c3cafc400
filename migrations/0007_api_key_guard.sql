-- A request authenticated from the isolate's key cache proves its key is still live inside its
-- first D1 round trip. For a batch that writes, that proof must abort the whole batch, so it is
-- an insert into this view: the trigger raises when the key is revoked or gone, and otherwise
-- nothing is stored.
CREATE VIEW `api_key_guard` AS SELECT NULL AS `key_id`;
--> statement-breakpoint
CREATE TRIGGER `api_key_guard_check` INSTEAD OF INSERT ON `api_key_guard`
BEGIN
	SELECT RAISE(ABORT, 'api_key_revoked')
	WHERE NOT EXISTS (SELECT 1 FROM `api_keys` WHERE `id` = NEW.`key_id` AND `revoked_at` IS NULL);
END;
