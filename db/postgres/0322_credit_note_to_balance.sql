-- A credit note of a paid invoice may give its total back as prepaid credit: a grant, in the
-- invoice's currency and without expiry, that the customer's next invoices spend. The credit note
-- names that grant (set when it is issued; credit notes never change afterwards).
ALTER TABLE credit_notes ADD COLUMN credit_grant_id text REFERENCES credit_grants(id);
CREATE UNIQUE INDEX credit_notes_credit_grant ON credit_notes (credit_grant_id) WHERE credit_grant_id IS NOT NULL;
