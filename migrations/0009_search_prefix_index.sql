-- Prefix indexes for 2 to 6 characters (was 2 to 4): a search for "lovel" reads one prefix
-- entry instead of merging the postings of every term that starts with it. The index is rebuilt
-- from the contacts; the triggers of 0001 keep writing to it by name.
DROP TABLE `contacts_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `contacts_fts` USING fts5(
	ws, body,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3 4 5 6'
);
--> statement-breakpoint
INSERT INTO `contacts_fts` (rowid, ws, body)
SELECT rowid, replace(`workspace_id`, '-', ''),
	coalesce(`first_name`, '') || ' ' || coalesce(`last_name`, '') || ' ' ||
	coalesce(`email`, '') || ' ' || coalesce(`phone`, '') || ' ' ||
	coalesce(ltrim(`phone_key`, '+'), '') || ' ' || coalesce(`company`, '') || ' ' ||
	coalesce(`job_title`, '') || ' ' || coalesce(`notes`, '')
FROM `contacts`;
