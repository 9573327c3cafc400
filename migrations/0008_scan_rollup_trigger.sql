-- Each profile's per-source scan totals (the workspace analytics roll-up) follow the scans
-- table, so a batch of scans from the profile's ScanCounter needs no update statements of its own.
CREATE TRIGGER `scans_after_insert` AFTER INSERT ON `scans`
BEGIN
	UPDATE `profiles` SET
		`scans_qr_scan` = `scans_qr_scan` + (NEW.`source` = 'qr_scan'),
		`scans_web` = `scans_web` + (NEW.`source` = 'web'),
		`scans_mcp` = `scans_mcp` + (NEW.`source` = 'mcp')
	WHERE `id` = NEW.`profile_id`;
END;
