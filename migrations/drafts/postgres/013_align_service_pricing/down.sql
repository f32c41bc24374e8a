-- Reverts 013 Align Service Pricing: services_master.base_price defaults to 0 again (012's
-- default). Not undone: the prices 013 aligned to 99/0 (the earlier values are not kept
-- anywhere). Running 013 again afterwards aligns prices again.

ALTER TABLE services_master ALTER COLUMN base_price SET DEFAULT 0;
