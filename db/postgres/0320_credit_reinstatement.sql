-- Voiding an invoice gives back the prepaid credit it spent: each of its applications is marked
-- reinstated (the row stays, as the ledger's record of both moves) and the amount returns to the
-- grant's `remaining`, in the void's transaction. So for every grant:
--   remaining = amount - sum(amount of its applications WHERE reinstated_at IS NULL).
ALTER TABLE credit_grant_applications ADD COLUMN reinstated_at timestamptz;
