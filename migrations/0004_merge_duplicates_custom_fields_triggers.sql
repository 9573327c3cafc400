-- Two more indexes kept by triggers in the same statement as the contact (see 0001): the custom
-- field index behind the `custom_fields.{key}` list filters, and the count of contacts sharing a
-- name and company behind `GET /v1/contacts/duplicates`. Each is filled from the contacts already
-- there first.
--
-- A custom field's value, as the index keeps it: a string as `value_text`, a boolean as
-- `value_text` 'true' or 'false', a number as `value_num`; a null value is not kept (the key counts
-- as absent).

INSERT INTO `contact_custom_fields` (`contact_id`, `workspace_id`, `key`, `value_text`, `value_num`)
	SELECT c.`id`, c.`workspace_id`, f.`key`,
		CASE f.`type` WHEN 'text' THEN f.`value` WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END,
		CASE WHEN f.`type` IN ('integer', 'real') THEN f.`value` END
	FROM `contacts` AS c, json_each(c.`custom_fields`) AS f
	WHERE c.`custom_fields` <> '{}' AND f.`type` <> 'null';--> statement-breakpoint

CREATE TRIGGER `contacts_custom_fields_after_insert` AFTER INSERT ON `contacts` WHEN NEW.`custom_fields` <> '{}'
BEGIN
	INSERT INTO `contact_custom_fields` (`contact_id`, `workspace_id`, `key`, `value_text`, `value_num`)
		SELECT NEW.`id`, NEW.`workspace_id`, `key`,
			CASE `type` WHEN 'text' THEN `value` WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END,
			CASE WHEN `type` IN ('integer', 'real') THEN `value` END
		FROM json_each(NEW.`custom_fields`) WHERE `type` <> 'null';
END;--> statement-breakpoint

CREATE TRIGGER `contacts_custom_fields_after_update` AFTER UPDATE OF `custom_fields` ON `contacts`
BEGIN
	DELETE FROM `contact_custom_fields` WHERE `contact_id` = OLD.`id`;
	INSERT INTO `contact_custom_fields` (`contact_id`, `workspace_id`, `key`, `value_text`, `value_num`)
		SELECT NEW.`id`, NEW.`workspace_id`, `key`,
			CASE `type` WHEN 'text' THEN `value` WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END,
			CASE WHEN `type` IN ('integer', 'real') THEN `value` END
		FROM json_each(NEW.`custom_fields`) WHERE `type` <> 'null';
END;--> statement-breakpoint

CREATE TRIGGER `contacts_custom_fields_after_delete` AFTER DELETE ON `contacts` WHEN OLD.`custom_fields` <> '{}'
BEGIN
	DELETE FROM `contact_custom_fields` WHERE `contact_id` = OLD.`id`;
END;--> statement-breakpoint

-- Contacts sharing a name and company: the lower-cased full name (`sort_name`) and the company
-- trimmed and lower-cased (SQLite's lower(): A–Z). A contact without either is in no group. A
-- group's row goes when its last contact does.

INSERT INTO `contact_name_companies` (`workspace_id`, `sort_name`, `company_key`, `contacts`)
	SELECT `workspace_id`, `sort_name`, lower(trim(`company`)), count(*)
	FROM `contacts`
	WHERE `sort_name` <> '' AND trim(coalesce(`company`, '')) <> ''
	GROUP BY 1, 2, 3;--> statement-breakpoint

CREATE TRIGGER `contacts_name_company_after_insert` AFTER INSERT ON `contacts`
WHEN NEW.`sort_name` <> '' AND trim(coalesce(NEW.`company`, '')) <> ''
BEGIN
	INSERT INTO `contact_name_companies` (`workspace_id`, `sort_name`, `company_key`, `contacts`)
		VALUES (NEW.`workspace_id`, NEW.`sort_name`, lower(trim(NEW.`company`)), 1)
		ON CONFLICT DO UPDATE SET `contacts` = `contacts` + 1;
END;--> statement-breakpoint

CREATE TRIGGER `contacts_name_company_after_delete` AFTER DELETE ON `contacts`
WHEN OLD.`sort_name` <> '' AND trim(coalesce(OLD.`company`, '')) <> ''
BEGIN
	UPDATE `contact_name_companies` SET `contacts` = `contacts` - 1
		WHERE `workspace_id` = OLD.`workspace_id` AND `sort_name` = OLD.`sort_name` AND `company_key` = lower(trim(OLD.`company`));
	DELETE FROM `contact_name_companies`
		WHERE `workspace_id` = OLD.`workspace_id` AND `sort_name` = OLD.`sort_name` AND `company_key` = lower(trim(OLD.`company`)) AND `contacts` = 0;
END;--> statement-breakpoint

CREATE TRIGGER `contacts_name_company_after_update` AFTER UPDATE OF `sort_name`, `company` ON `contacts`
WHEN OLD.`sort_name` IS NOT NEW.`sort_name` OR lower(trim(coalesce(OLD.`company`, ''))) IS NOT lower(trim(coalesce(NEW.`company`, '')))
BEGIN
	UPDATE `contact_name_companies` SET `contacts` = `contacts` - 1
		WHERE `workspace_id` = OLD.`workspace_id` AND `sort_name` = OLD.`sort_name` AND `company_key` = lower(trim(OLD.`company`))
			AND OLD.`sort_name` <> '' AND trim(coalesce(OLD.`company`, '')) <> '';
	DELETE FROM `contact_name_companies`
		WHERE `workspace_id` = OLD.`workspace_id` AND `sort_name` = OLD.`sort_name` AND `company_key` = lower(trim(OLD.`company`)) AND `contacts` = 0;
	INSERT INTO `contact_name_companies` (`workspace_id`, `sort_name`, `company_key`, `contacts`)
		SELECT NEW.`workspace_id`, NEW.`sort_name`, lower(trim(NEW.`company`)), 1
		WHERE NEW.`sort_name` <> '' AND trim(coalesce(NEW.`company`, '')) <> ''
		ON CONFLICT DO UPDATE SET `contacts` = `contacts` + 1;
END;
--> statement-breakpoint

-- A merge reads its contacts, then writes them in one batch that starts by proving that none
-- changed in between: an insert into this view, whose trigger aborts the whole batch otherwise
-- (the same device as `api_key_guard` in 0001). Nothing is ever stored.

CREATE VIEW `contact_merge_guard` AS SELECT NULL AS `unchanged`;--> statement-breakpoint

CREATE TRIGGER `contact_merge_guard_check` INSTEAD OF INSERT ON `contact_merge_guard`
BEGIN
	SELECT RAISE(ABORT, 'contact_merge_conflict') WHERE NOT NEW.`unchanged`;
END;
