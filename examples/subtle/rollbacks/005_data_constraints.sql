-- Reverse of 005_data_constraints.
ALTER TABLE billing_history DROP CONSTRAINT IF EXISTS valid_status;
ALTER TABLE billing_history DROP CONSTRAINT IF EXISTS positive_amount;
ALTER TABLE sessions DROP CONSTRAINT IF EXISTS future_expiration;
ALTER TABLE users DROP CONSTRAINT IF EXISTS valid_password_hash;
ALTER TABLE users DROP CONSTRAINT IF EXISTS valid_subscription_tier;
ALTER TABLE users DROP CONSTRAINT IF EXISTS valid_email;
