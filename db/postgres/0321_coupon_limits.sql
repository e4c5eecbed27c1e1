-- Limits on redeeming a coupon, checked when it is applied to a subscription: how many times in
-- all (every application counts, removed ones too), until when, and to which plans (by key;
-- NULL: any plan).
ALTER TABLE coupons ADD COLUMN max_redemptions integer CHECK (max_redemptions > 0);
ALTER TABLE coupons ADD COLUMN redeem_by timestamptz;
ALTER TABLE coupons ADD COLUMN plan_keys text[] CHECK (cardinality(plan_keys) > 0);
