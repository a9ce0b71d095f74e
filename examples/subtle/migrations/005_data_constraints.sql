-- 005_data_constraints: the validation CHECK constraints of "Data Types & Constraints", verbatim.

-- Email validation
ALTER TABLE users ADD CONSTRAINT valid_email CHECK (email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$');

-- Subscription tier validation
ALTER TABLE users ADD CONSTRAINT valid_subscription_tier CHECK (subscription_tier IN ('free', 'pro', 'enterprise'));

-- Password hash length (bcrypt hashes are 60 characters)
ALTER TABLE users ADD CONSTRAINT valid_password_hash CHECK (LENGTH(password_hash) = 60);

-- Ensure expiration is in the future when created
ALTER TABLE sessions ADD CONSTRAINT future_expiration CHECK (expires_at > created_at);

-- Ensure positive amounts
ALTER TABLE billing_history ADD CONSTRAINT positive_amount CHECK (amount > 0);

-- Valid status values
ALTER TABLE billing_history ADD CONSTRAINT valid_status CHECK (status IN ('pending', 'completed', 'failed', 'refunded'));
