-- 001 Create Core Tables: users, addresses, services_master, provider_profiles,
-- provider_services, bookings, ratings, notifications, with their indexes.
-- Reproduces the Node.js runner's production schema exactly (constraint names are
-- PostgreSQL's generated ones): this is history and must not be redesigned.
-- Idempotent: every object is created only when missing.

CREATE TABLE IF NOT EXISTS users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    full_name TEXT NOT NULL,
    email TEXT UNIQUE,
    phone TEXT NOT NULL,
    password TEXT NOT NULL,
    profile_pic_url TEXT DEFAULT '',
    created_at TIMESTAMP DEFAULT NOW(),
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'provider', 'admin')),
    is_verified BOOLEAN DEFAULT FALSE
);
CREATE INDEX IF NOT EXISTS idx_users_email ON users (email);
CREATE INDEX IF NOT EXISTS idx_users_phone ON users (phone);
CREATE INDEX IF NOT EXISTS idx_users_role ON users (role);

CREATE TABLE IF NOT EXISTS addresses (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users (id) ON DELETE CASCADE,
    type TEXT DEFAULT 'home' CHECK (type IN ('home', 'office', 'other')),
    state TEXT,
    city TEXT,
    full_address TEXT,
    pincode TEXT,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_addresses_user_id ON addresses (user_id);
CREATE INDEX IF NOT EXISTS idx_addresses_type ON addresses (type);

CREATE TABLE IF NOT EXISTS services_master (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT UNIQUE NOT NULL,
    category TEXT,
    is_paid BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_services_master_name ON services_master (name);
CREATE INDEX IF NOT EXISTS idx_services_master_category ON services_master (category);

CREATE TABLE IF NOT EXISTS provider_profiles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    years_of_experience INTEGER,
    service_description TEXT,
    is_engineering_provider BOOLEAN DEFAULT FALSE,
    engineering_certificate_url TEXT DEFAULT '',
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_provider_profiles_user_id ON provider_profiles (user_id);

CREATE TABLE IF NOT EXISTS provider_services (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id UUID REFERENCES provider_profiles (id) ON DELETE CASCADE,
    service_id UUID REFERENCES services_master (id),
    service_charge_value NUMERIC,
    service_charge_unit TEXT,
    working_proof_urls TEXT[] DEFAULT '{}',
    payment_status TEXT DEFAULT 'pending' CHECK (payment_status IN ('active', 'expired', 'pending')),
    payment_start_date DATE,
    payment_end_date DATE,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_provider_services_provider_id ON provider_services (provider_id);
CREATE INDEX IF NOT EXISTS idx_provider_services_service_id ON provider_services (service_id);
CREATE INDEX IF NOT EXISTS idx_provider_services_payment_status ON provider_services (payment_status);

CREATE TABLE IF NOT EXISTS bookings (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users (id),
    provider_service_id UUID REFERENCES provider_services (id),
    selected_service TEXT,
    appointment_date DATE,
    appointment_time TEXT,
    address TEXT,
    description TEXT,
    status TEXT DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'completed', 'cancelled')),
    rejection_reason TEXT,
    cancellation_reason TEXT,
    report_reason TEXT,
    report_description TEXT,
    created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_bookings_user_id ON bookings (user_id);
CREATE INDEX IF NOT EXISTS idx_bookings_provider_service_id ON bookings (provider_service_id);
CREATE INDEX IF NOT EXISTS idx_bookings_status ON bookings (status);
CREATE INDEX IF NOT EXISTS idx_bookings_appointment_date ON bookings (appointment_date);

CREATE TABLE IF NOT EXISTS ratings (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    booking_id UUID UNIQUE REFERENCES bookings (id),
    rating INTEGER CHECK (rating >= 1 AND rating <= 5),
    review TEXT,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_ratings_booking_id ON ratings (booking_id);

CREATE TABLE IF NOT EXISTS notifications (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID REFERENCES users (id),
    title TEXT,
    message TEXT,
    is_read BOOLEAN DEFAULT FALSE,
    role TEXT DEFAULT 'user' CHECK (role IN ('user', 'provider', 'admin')),
    translation_key TEXT,
    translation_params JSONB,
    created_at TIMESTAMP DEFAULT NOW()
);
CREATE INDEX IF NOT EXISTS idx_notifications_user_id ON notifications (user_id);
CREATE INDEX IF NOT EXISTS idx_notifications_is_read ON notifications (is_read);
CREATE INDEX IF NOT EXISTS idx_notifications_role ON notifications (role);
