-- Core marketplace schema: users, addresses, service catalogue, providers, bookings, ratings, in-app notifications.
-- Idempotent (objects are only created when missing) so a re-run is a no-op; the runner supplies the transaction.

CREATE TABLE IF NOT EXISTS users (
    id                TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    full_name         TEXT    NOT NULL,
    email             TEXT,  -- stored lower-case so uq_users_email is case-insensitive
    phone             TEXT    NOT NULL,  -- E.164; primary login via OTP
    password_hash     TEXT,  -- NULL for OTP-only accounts
    role              TEXT    NOT NULL DEFAULT 'customer',
    status            TEXT    NOT NULL DEFAULT 'active',
    is_email_verified INTEGER NOT NULL DEFAULT 0,
    is_phone_verified INTEGER NOT NULL DEFAULT 0,
    profile_image_url TEXT,
    locale            TEXT    NOT NULL DEFAULT 'en-IN',
    last_login_at     TEXT,
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT chk_users_email CHECK (email = lower(email) AND email LIKE '%_@_%'),
    CONSTRAINT chk_users_phone CHECK (length(phone) BETWEEN 8 AND 16 AND phone GLOB '+[1-9]*' AND substr(phone, 2) NOT GLOB '*[^0-9]*'),
    CONSTRAINT chk_users_role CHECK (role IN ('customer', 'provider', 'admin')),
    CONSTRAINT chk_users_status CHECK (status IN ('active', 'suspended', 'deactivated')),
    CONSTRAINT chk_users_is_email_verified CHECK (is_email_verified IN (0, 1)),
    CONSTRAINT chk_users_is_phone_verified CHECK (is_phone_verified IN (0, 1))
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_users_email ON users (email);
CREATE UNIQUE INDEX IF NOT EXISTS uq_users_phone ON users (phone);
CREATE INDEX IF NOT EXISTS idx_users_role_status ON users (role, status);
CREATE INDEX IF NOT EXISTS idx_users_created_at ON users (created_at);
CREATE TRIGGER IF NOT EXISTS trg_users_updated_at AFTER UPDATE ON users FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE users SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE IF NOT EXISTS addresses (
    id           TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id      TEXT    NOT NULL,
    label        TEXT,  -- e.g. Home, Office
    line1        TEXT    NOT NULL,
    line2        TEXT,
    landmark     TEXT,
    city         TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    postal_code  TEXT    NOT NULL,
    country_code TEXT    NOT NULL DEFAULT 'IN',
    latitude     REAL,
    longitude    REAL,
    is_default   INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_addresses_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_addresses_country_code CHECK (length(country_code) = 2 AND country_code = upper(country_code)),
    CONSTRAINT chk_addresses_latitude CHECK (latitude BETWEEN -90 AND 90),
    CONSTRAINT chk_addresses_longitude CHECK (longitude BETWEEN -180 AND 180),
    CONSTRAINT chk_addresses_coordinates CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CONSTRAINT chk_addresses_is_default CHECK (is_default IN (0, 1))
);
CREATE INDEX IF NOT EXISTS idx_addresses_user_id ON addresses (user_id);
CREATE UNIQUE INDEX IF NOT EXISTS uq_addresses_user_id_is_default ON addresses (user_id, is_default) WHERE is_default = 1;
CREATE TRIGGER IF NOT EXISTS trg_addresses_updated_at AFTER UPDATE ON addresses FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE addresses SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE IF NOT EXISTS services_master (
    id                         TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    code                       TEXT    NOT NULL,  -- stable slug used by the apps, e.g. 'tap_repair'
    name                       TEXT    NOT NULL,
    category                   TEXT    NOT NULL,  -- admin-managed taxonomy: free text so new categories need no migration
    description                TEXT,
    base_price_minor           INTEGER NOT NULL DEFAULT 0,
    currency                   TEXT    NOT NULL DEFAULT 'INR',
    price_unit                 TEXT    NOT NULL DEFAULT 'fixed',
    estimated_duration_minutes INTEGER,
    icon_url                   TEXT,
    is_active                  INTEGER NOT NULL DEFAULT 1,
    sort_order                 INTEGER NOT NULL DEFAULT 0,
    created_at                 TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at                 TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT chk_services_master_code CHECK (length(code) > 0 AND code = lower(code)),
    CONSTRAINT chk_services_master_base_price_minor CHECK (base_price_minor >= 0),
    CONSTRAINT chk_services_master_currency CHECK (length(currency) = 3 AND currency = upper(currency)),
    CONSTRAINT chk_services_master_price_unit CHECK (price_unit IN ('fixed', 'hourly', 'per_visit', 'per_sqft')),
    CONSTRAINT chk_services_master_estimated_duration_minutes CHECK (estimated_duration_minutes > 0),
    CONSTRAINT chk_services_master_is_active CHECK (is_active IN (0, 1))
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_services_master_code ON services_master (code);
CREATE INDEX IF NOT EXISTS idx_services_master_category_is_active ON services_master (category, is_active);
CREATE TRIGGER IF NOT EXISTS trg_services_master_updated_at AFTER UPDATE ON services_master FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE services_master SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE IF NOT EXISTS provider_profiles (
    id                   TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id              TEXT    NOT NULL,
    business_name        TEXT,
    bio                  TEXT,
    experience_years     INTEGER NOT NULL DEFAULT 0,
    verification_status  TEXT    NOT NULL DEFAULT 'pending',
    verified_at          TEXT,
    kyc_document_url     TEXT,
    is_available         INTEGER NOT NULL DEFAULT 1,
    service_radius_km    INTEGER NOT NULL DEFAULT 10,
    base_latitude        REAL,
    base_longitude       REAL,
    average_rating       REAL    NOT NULL DEFAULT 0,  -- denormalised from ratings for search ranking
    rating_count         INTEGER NOT NULL DEFAULT 0,
    completed_jobs_count INTEGER NOT NULL DEFAULT 0,
    razorpay_account_id  TEXT,  -- Razorpay Route linked account for payouts
    created_at           TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at           TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_provider_profiles_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_provider_profiles_experience_years CHECK (experience_years BETWEEN 0 AND 80),
    CONSTRAINT chk_provider_profiles_verification_status CHECK (verification_status IN ('pending', 'verified', 'rejected', 'suspended')),
    CONSTRAINT chk_provider_profiles_verified_at CHECK (verification_status <> 'verified' OR verified_at IS NOT NULL),
    CONSTRAINT chk_provider_profiles_service_radius_km CHECK (service_radius_km BETWEEN 1 AND 200),
    CONSTRAINT chk_provider_profiles_base_latitude CHECK (base_latitude BETWEEN -90 AND 90),
    CONSTRAINT chk_provider_profiles_base_longitude CHECK (base_longitude BETWEEN -180 AND 180),
    CONSTRAINT chk_provider_profiles_base_coordinates CHECK ((base_latitude IS NULL) = (base_longitude IS NULL)),
    CONSTRAINT chk_provider_profiles_average_rating CHECK (average_rating BETWEEN 0 AND 5),
    CONSTRAINT chk_provider_profiles_rating_count CHECK (rating_count >= 0),
    CONSTRAINT chk_provider_profiles_completed_jobs_count CHECK (completed_jobs_count >= 0),
    CONSTRAINT chk_provider_profiles_is_available CHECK (is_available IN (0, 1))
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_provider_profiles_user_id ON provider_profiles (user_id);
CREATE UNIQUE INDEX IF NOT EXISTS uq_provider_profiles_razorpay_account_id ON provider_profiles (razorpay_account_id);
CREATE INDEX IF NOT EXISTS idx_provider_profiles_verification_status_is_available ON provider_profiles (verification_status, is_available);
CREATE TRIGGER IF NOT EXISTS trg_provider_profiles_updated_at AFTER UPDATE ON provider_profiles FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE provider_profiles SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE IF NOT EXISTS provider_services (
    id          TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    provider_id TEXT    NOT NULL,
    service_id  TEXT    NOT NULL,
    price_minor INTEGER NOT NULL,  -- provider's own price, overrides services_master.base_price_minor
    currency    TEXT    NOT NULL DEFAULT 'INR',
    is_active   INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_provider_services_provider_id FOREIGN KEY (provider_id) REFERENCES provider_profiles (id) ON DELETE CASCADE,
    CONSTRAINT fk_provider_services_service_id FOREIGN KEY (service_id) REFERENCES services_master (id) ON DELETE RESTRICT,
    CONSTRAINT chk_provider_services_price_minor CHECK (price_minor >= 0),
    CONSTRAINT chk_provider_services_currency CHECK (length(currency) = 3 AND currency = upper(currency)),
    CONSTRAINT chk_provider_services_is_active CHECK (is_active IN (0, 1))
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_provider_services_provider_id_service_id ON provider_services (provider_id, service_id);
CREATE INDEX IF NOT EXISTS idx_provider_services_service_id_is_active ON provider_services (service_id, is_active);
CREATE TRIGGER IF NOT EXISTS trg_provider_services_updated_at AFTER UPDATE ON provider_services FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE provider_services SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE IF NOT EXISTS bookings (
    id                  TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    booking_code        TEXT    NOT NULL,  -- human-friendly reference for customers and support
    customer_id         TEXT    NOT NULL,
    provider_id         TEXT    NOT NULL,
    service_id          TEXT    NOT NULL,
    address_id          TEXT,
    status              TEXT    NOT NULL DEFAULT 'pending',
    scheduled_at        TEXT    NOT NULL,
    service_address     TEXT    NOT NULL,  -- snapshot: survives later edits or deletion of the address
    latitude            REAL,
    longitude           REAL,
    customer_notes      TEXT,
    quoted_amount_minor INTEGER NOT NULL,
    final_amount_minor  INTEGER,  -- set on completion (extra parts/labour)
    currency            TEXT    NOT NULL DEFAULT 'INR',
    payment_method      TEXT    NOT NULL DEFAULT 'online',
    payment_status      TEXT    NOT NULL DEFAULT 'unpaid',
    accepted_at         TEXT,
    started_at          TEXT,
    completed_at        TEXT,
    cancelled_at        TEXT,
    cancelled_by        TEXT,
    cancellation_reason TEXT,
    created_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_bookings_customer_id FOREIGN KEY (customer_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_bookings_provider_id FOREIGN KEY (provider_id) REFERENCES provider_profiles (id) ON DELETE RESTRICT,
    CONSTRAINT fk_bookings_service_id FOREIGN KEY (service_id) REFERENCES services_master (id) ON DELETE RESTRICT,
    CONSTRAINT fk_bookings_address_id FOREIGN KEY (address_id) REFERENCES addresses (id) ON DELETE SET NULL,
    CONSTRAINT chk_bookings_status CHECK (status IN ('pending', 'accepted', 'in_progress', 'completed', 'cancelled')),
    CONSTRAINT chk_bookings_quoted_amount_minor CHECK (quoted_amount_minor >= 0),
    CONSTRAINT chk_bookings_final_amount_minor CHECK (final_amount_minor >= 0),
    CONSTRAINT chk_bookings_currency CHECK (length(currency) = 3 AND currency = upper(currency)),
    CONSTRAINT chk_bookings_payment_method CHECK (payment_method IN ('online', 'cash')),
    CONSTRAINT chk_bookings_payment_status CHECK (payment_status IN ('unpaid', 'pending', 'paid', 'failed', 'partially_refunded', 'refunded')),
    CONSTRAINT chk_bookings_cancelled_by CHECK (cancelled_by IN ('customer', 'provider', 'admin', 'system')),
    CONSTRAINT chk_bookings_latitude CHECK (latitude BETWEEN -90 AND 90),
    CONSTRAINT chk_bookings_longitude CHECK (longitude BETWEEN -180 AND 180),
    CONSTRAINT chk_bookings_coordinates CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CONSTRAINT chk_bookings_completed_at CHECK (status <> 'completed' OR completed_at IS NOT NULL),
    CONSTRAINT chk_bookings_cancelled_at CHECK (status <> 'cancelled' OR cancelled_at IS NOT NULL)
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_bookings_booking_code ON bookings (booking_code);
CREATE INDEX IF NOT EXISTS idx_bookings_customer_id_status ON bookings (customer_id, status);
CREATE INDEX IF NOT EXISTS idx_bookings_provider_id_scheduled_at ON bookings (provider_id, scheduled_at);
CREATE INDEX IF NOT EXISTS idx_bookings_provider_id_status ON bookings (provider_id, status);
CREATE INDEX IF NOT EXISTS idx_bookings_service_id ON bookings (service_id);
CREATE INDEX IF NOT EXISTS idx_bookings_address_id ON bookings (address_id);
CREATE INDEX IF NOT EXISTS idx_bookings_status_scheduled_at ON bookings (status, scheduled_at);
CREATE INDEX IF NOT EXISTS idx_bookings_created_at ON bookings (created_at);
CREATE TRIGGER IF NOT EXISTS trg_bookings_updated_at AFTER UPDATE ON bookings FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE bookings SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

CREATE TABLE IF NOT EXISTS ratings (
    id          TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    booking_id  TEXT    NOT NULL,
    customer_id TEXT    NOT NULL,
    provider_id TEXT    NOT NULL,
    score       INTEGER NOT NULL,
    review      TEXT,
    is_visible  INTEGER NOT NULL DEFAULT 1,  -- moderation can hide abusive reviews
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_ratings_booking_id FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE CASCADE,
    CONSTRAINT fk_ratings_customer_id FOREIGN KEY (customer_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_ratings_provider_id FOREIGN KEY (provider_id) REFERENCES provider_profiles (id) ON DELETE RESTRICT,
    CONSTRAINT chk_ratings_score CHECK (score BETWEEN 1 AND 5),
    CONSTRAINT chk_ratings_is_visible CHECK (is_visible IN (0, 1))
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_ratings_booking_id ON ratings (booking_id);
CREATE INDEX IF NOT EXISTS idx_ratings_customer_id ON ratings (customer_id);
CREATE INDEX IF NOT EXISTS idx_ratings_provider_id_created_at ON ratings (provider_id, created_at);
CREATE TRIGGER IF NOT EXISTS trg_ratings_updated_at AFTER UPDATE ON ratings FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE ratings SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = NEW.id;
END;

-- In-app inbox; push delivery lives in the optional 005 tables.
CREATE TABLE IF NOT EXISTS notifications (
    id                TEXT    NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id           TEXT    NOT NULL,
    booking_id        TEXT,
    notification_type TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    data              TEXT,  -- deep-link payload for the app
    is_read           INTEGER NOT NULL DEFAULT 0,
    read_at           TEXT,
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT fk_notifications_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_notifications_booking_id FOREIGN KEY (booking_id) REFERENCES bookings (id) ON DELETE SET NULL,
    CONSTRAINT chk_notifications_notification_type CHECK (notification_type IN ('booking_created', 'booking_accepted', 'booking_started', 'booking_completed', 'booking_cancelled', 'booking_reminder', 'payment_succeeded', 'payment_failed', 'refund_processed', 'rating_received', 'incoming_call', 'missed_call', 'promotion', 'system')),
    CONSTRAINT chk_notifications_read_at CHECK (is_read = 0 OR read_at IS NOT NULL),
    CONSTRAINT chk_notifications_data CHECK (data IS NULL OR json_valid(data)),
    CONSTRAINT chk_notifications_is_read CHECK (is_read IN (0, 1))
);
CREATE INDEX IF NOT EXISTS idx_notifications_user_id_created_at ON notifications (user_id, created_at);
CREATE INDEX IF NOT EXISTS idx_notifications_user_id_is_read ON notifications (user_id, is_read);
CREATE INDEX IF NOT EXISTS idx_notifications_booking_id ON notifications (booking_id);
