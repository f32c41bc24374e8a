-- 001 Create Core Tables: users, addresses, services_master, provider_profiles,
-- provider_services, bookings, ratings, notifications, with their indexes.
-- SQLite mirror of the Node.js runner's production PostgreSQL schema, reproduced
-- exactly (same columns in the same order, keys, checks, indexes; types mapped as
-- docs/sqlite-types.md describes): this is history and must not be redesigned.
-- Idempotent: every object is created only when missing.

CREATE TABLE IF NOT EXISTS users (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    full_name TEXT NOT NULL,
    email TEXT UNIQUE,
    phone TEXT NOT NULL,
    password TEXT NOT NULL,
    profile_pic_url TEXT DEFAULT '',
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'provider', 'admin')),
    is_verified BOOLEAN DEFAULT 0
);
CREATE INDEX IF NOT EXISTS idx_users_email ON users (email);
CREATE INDEX IF NOT EXISTS idx_users_phone ON users (phone);
CREATE INDEX IF NOT EXISTS idx_users_role ON users (role);

CREATE TABLE IF NOT EXISTS addresses (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    type TEXT DEFAULT 'home' CHECK (type IN ('home', 'office', 'other')),
    state TEXT,
    city TEXT,
    full_address TEXT,
    pincode TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_addresses_user_id ON addresses (user_id);
CREATE INDEX IF NOT EXISTS idx_addresses_type ON addresses (type);

CREATE TABLE IF NOT EXISTS services_master (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    name TEXT UNIQUE NOT NULL,
    category TEXT,
    is_paid BOOLEAN DEFAULT 1,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_services_master_name ON services_master (name);
CREATE INDEX IF NOT EXISTS idx_services_master_category ON services_master (category);

CREATE TABLE IF NOT EXISTS provider_profiles (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    years_of_experience INTEGER,
    service_description TEXT,
    is_engineering_provider BOOLEAN DEFAULT 0,
    engineering_certificate_url TEXT DEFAULT '',
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_provider_profiles_user_id ON provider_profiles (user_id);

CREATE TABLE IF NOT EXISTS provider_services (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    provider_id TEXT REFERENCES provider_profiles (id) ON DELETE CASCADE,
    service_id TEXT REFERENCES services_master (id),
    service_charge_value NUMERIC,
    service_charge_unit TEXT,
    working_proof_urls TEXT DEFAULT '[]',  -- text[] as a JSON array
    payment_status TEXT DEFAULT 'pending' CHECK (payment_status IN ('active', 'expired', 'pending')),
    payment_start_date TEXT,
    payment_end_date TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_provider_services_provider_id ON provider_services (provider_id);
CREATE INDEX IF NOT EXISTS idx_provider_services_service_id ON provider_services (service_id);
CREATE INDEX IF NOT EXISTS idx_provider_services_payment_status ON provider_services (payment_status);

CREATE TABLE IF NOT EXISTS bookings (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT REFERENCES users (id),
    provider_service_id TEXT REFERENCES provider_services (id),
    selected_service TEXT,
    appointment_date TEXT,
    appointment_time TEXT,
    address TEXT,
    description TEXT,
    status TEXT DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'completed', 'cancelled')),
    rejection_reason TEXT,
    cancellation_reason TEXT,
    report_reason TEXT,
    report_description TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_bookings_user_id ON bookings (user_id);
CREATE INDEX IF NOT EXISTS idx_bookings_provider_service_id ON bookings (provider_service_id);
CREATE INDEX IF NOT EXISTS idx_bookings_status ON bookings (status);
CREATE INDEX IF NOT EXISTS idx_bookings_appointment_date ON bookings (appointment_date);

CREATE TABLE IF NOT EXISTS ratings (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    booking_id TEXT UNIQUE REFERENCES bookings (id),
    rating INTEGER CHECK (rating >= 1 AND rating <= 5),
    review TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_ratings_booking_id ON ratings (booking_id);

CREATE TABLE IF NOT EXISTS notifications (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))),
    user_id TEXT REFERENCES users (id),
    title TEXT,
    message TEXT,
    is_read BOOLEAN DEFAULT 0,
    role TEXT DEFAULT 'user' CHECK (role IN ('user', 'provider', 'admin')),
    translation_key TEXT,
    translation_params TEXT,
    created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_notifications_user_id ON notifications (user_id);
CREATE INDEX IF NOT EXISTS idx_notifications_is_read ON notifications (is_read);
CREATE INDEX IF NOT EXISTS idx_notifications_role ON notifications (role);
