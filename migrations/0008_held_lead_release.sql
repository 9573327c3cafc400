-- Releasing a held lead claims it in the batch that saves it: the claim aborts the whole batch when
-- the held lead is gone (released or discarded a moment ago), and deletes it only when the lead's
-- write happened (`written`: a version-guarded update that lost its race is tried again).

CREATE VIEW `held_lead_claims` AS SELECT NULL AS `id`, NULL AS `written`;--> statement-breakpoint

CREATE TRIGGER `held_lead_claims_insert` INSTEAD OF INSERT ON `held_lead_claims`
BEGIN
	SELECT RAISE(ABORT, 'held_lead_gone') WHERE NOT EXISTS (SELECT 1 FROM `held_leads` WHERE `id` = NEW.`id`);
	DELETE FROM `held_leads` WHERE `id` = NEW.`id` AND NEW.`written`;
END;
