-- Prefix indexes for every word length from 2 to 12 characters (they were 2 to 6). FTS5 answers a
-- prefix query from a prefix index of the word's length by reading one list, in key order, as far
-- as it needs; a longer word has no such list, and FTS5 first merges the lists of every indexed
-- word that starts with it, in every workspace, whatever the query's key range or LIMIT. With the
-- benchmark's 100,000 contacts a workspace, `q=engineer` (every contact's job title) cost 13 ms of
-- CPU a request and grew with the whole database; from its prefix index it reads like `q=engine`.
-- The index grows by about 30 %. A word longer than 12 characters is still matched by merging.
-- The bodies are kept while the table is made again (FTS5 cannot change its prefixes in place).
CREATE TABLE `search_rebuild` AS SELECT rowid AS `key`, `body` FROM `contacts_fts`;--> statement-breakpoint
DROP TABLE `contacts_fts`;--> statement-breakpoint
CREATE VIRTUAL TABLE `contacts_fts` USING fts5(
	body,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3 4 5 6 7 8 9 10 11 12',
	columnsize = 0
);--> statement-breakpoint
INSERT INTO `contacts_fts` (rowid, body) SELECT `key`, `body` FROM `search_rebuild`;--> statement-breakpoint
DROP TABLE `search_rebuild`;
