-- The kind of product a report to the authority is about (network device, industrial control,
-- application, ...), kept by the provider and by the sharing platform that receives it, for the
-- platform's statistics. Empty when not given. Never edit a shipped migration: add a new one.
ALTER TABLE authority_reports ADD COLUMN product_type TEXT NOT NULL DEFAULT '';
ALTER TABLE shared_reports ADD COLUMN product_type TEXT NOT NULL DEFAULT '';
