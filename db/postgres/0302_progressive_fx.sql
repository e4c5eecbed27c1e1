-- Progressive billing and invoices in the customer's currency (issue 8).

-- A spend threshold per subscription: when the running period's unbilled usage reaches it, an
-- interim invoice bills that usage at once; the period's invoice then deducts what interim
-- invoices billed.
ALTER TABLE subscriptions ADD COLUMN progressive_billing_threshold numeric CHECK (progressive_billing_threshold > 0);

ALTER TABLE invoices DROP CONSTRAINT invoices_kind_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_kind_check CHECK (kind IN ('period', 'interim'));
-- Usage is counted up to this instant: the period end for a period invoice, the moment of
-- issue for an interim one.
ALTER TABLE invoices ADD COLUMN usage_through timestamptz;
UPDATE invoices SET usage_through = period_end WHERE usage_through IS NULL;
ALTER TABLE invoices ALTER COLUMN usage_through SET NOT NULL;
DROP INDEX invoices_one_per_period;
CREATE UNIQUE INDEX invoices_one_per_period ON invoices (tenant_id, subscription_id, kind, period_start, usage_through)
  WHERE status <> 'void';

-- The conversion applied when the customer's currency differs from the plan's:
-- { from, to, rate, effectiveDate, source, method }; NULL when none was needed.
ALTER TABLE invoices ADD COLUMN fx jsonb;

ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_type_check;
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_type_check
  CHECK (type IN ('usage', 'fixed', 'adjustment', 'discount', 'true_up', 'interim_deduction'));
