-- Extra rows on top of example-upgrade.before.data.sql (bbcd598 schema), so that the
-- idempotence (b) and batching (f) checks have rows for every data statement, including
-- the awkward cases of 019 and 011. Ids 0...-9xxxxxxxxxxx stay apart from the example's.
SET TIME ZONE 'Asia/Kolkata';
INSERT INTO users (id, full_name, email, phone, password, role, is_verified, created_at) VALUES
 ('00000000-0000-4000-8000-000000009201', 'Extra Painter One', NULL, '+919900000001', 'x', 'provider', TRUE, '2025-09-01 10:00:00'),
 ('00000000-0000-4000-8000-000000009202', 'Extra Painter Two', NULL, '+919900000002', 'x', 'provider', TRUE, '2025-09-01 10:00:00'),
 ('00000000-0000-4000-8000-000000009301', 'Extra Customer', 'extra@example.test', '+919900000003', 'x', 'user', TRUE, '2025-09-01 10:00:00');
-- 605: two 'painting-cleaning' services, no 'painting' -> the earlier (709) becomes painting,
--      710's bookings and payments move to 709, 710 is deleted.
-- 606: one 'painting-cleaning' (711) and two 'painting' (712 earlier, 713 later) -> 711's
--      bookings/payments move to 712, 711 deleted. years_of_experience NULL.
INSERT INTO provider_profiles (id, user_id, years_of_experience, service_description, created_at) VALUES
 ('00000000-0000-4000-8000-000000009605', '00000000-0000-4000-8000-000000009201', 2, 'extra', '2025-09-15 12:00:00'),
 ('00000000-0000-4000-8000-000000009606', '00000000-0000-4000-8000-000000009202', NULL, 'extra', '2025-09-15 12:00:00');
INSERT INTO provider_services (id, provider_id, service_id, service_charge_value, service_charge_unit, payment_status, created_at) VALUES
 ('00000000-0000-4000-8000-000000009710', '00000000-0000-4000-8000-000000009605', '00000000-0000-4000-8000-000000000503', 710, 'fixed', 'active', '2025-09-17 12:00:00'),
 ('00000000-0000-4000-8000-000000009709', '00000000-0000-4000-8000-000000009605', '00000000-0000-4000-8000-000000000503', 709, 'fixed', 'active', '2025-09-16 12:00:00'),
 ('00000000-0000-4000-8000-000000009711', '00000000-0000-4000-8000-000000009606', '00000000-0000-4000-8000-000000000503', 711, 'fixed', 'active', '2025-09-16 12:00:00'),
 ('00000000-0000-4000-8000-000000009713', '00000000-0000-4000-8000-000000009606', '00000000-0000-4000-8000-000000000504', 713, 'fixed', 'active', '2025-09-18 12:00:00'),
 ('00000000-0000-4000-8000-000000009712', '00000000-0000-4000-8000-000000009606', '00000000-0000-4000-8000-000000000504', 712.5, 'fixed', 'pending', '2025-09-17 12:00:00');
INSERT INTO bookings (id, user_id, provider_service_id, selected_service, status, created_at, updated_at) VALUES
 ('00000000-0000-4000-8000-000000009801', '00000000-0000-4000-8000-000000009301', '00000000-0000-4000-8000-000000009710', 'painting-cleaning', 'pending', '2025-12-01 10:00:00', '2025-12-01 10:00:00'),
 ('00000000-0000-4000-8000-000000009802', '00000000-0000-4000-8000-000000009301', '00000000-0000-4000-8000-000000009709', 'painting-cleaning', 'completed', '2025-12-01 10:00:00', '2025-12-01 10:00:00'),
 ('00000000-0000-4000-8000-000000009803', '00000000-0000-4000-8000-000000009301', '00000000-0000-4000-8000-000000009711', 'painting-cleaning', 'accepted', '2025-12-01 10:00:00', '2025-12-01 10:00:00'),
 ('00000000-0000-4000-8000-000000009804', '00000000-0000-4000-8000-000000009301', '00000000-0000-4000-8000-000000009713', 'painting', 'cancelled', '2025-12-01 10:00:00', '2025-12-01 10:00:00'),
 ('00000000-0000-4000-8000-000000009805', '00000000-0000-4000-8000-000000009301', NULL, 'plumber', 'pending', '2025-12-01 10:00:00', '2025-12-01 10:00:00'),
 ('00000000-0000-4000-8000-000000009806', NULL, '00000000-0000-4000-8000-000000000701', 'plumber', 'pending', '2025-12-01 10:00:00', '2025-12-01 10:00:00');
INSERT INTO ratings (id, booking_id, rating, review, created_at) VALUES
 ('00000000-0000-4000-8000-000000009901', '00000000-0000-4000-8000-000000009802', 5, 'extra', '2025-12-02 10:00:00');
INSERT INTO payment_transactions (id, order_id, user_id, provider_service_id, amount, status, service_name, created_at, updated_at) VALUES
 ('00000000-0000-4000-8000-000000091001', 'ORD-X-1', '00000000-0000-4000-8000-000000009201', '00000000-0000-4000-8000-000000009710', 99, 'completed', 'painting-cleaning', '2025-10-01 10:00:00', '2025-10-01 10:00:00'),
 ('00000000-0000-4000-8000-000000091002', 'ORD-X-2', '00000000-0000-4000-8000-000000009202', '00000000-0000-4000-8000-000000009711', 2499, 'pending', 'painting-cleaning', '2025-10-01 10:00:00', '2025-10-01 10:00:00'),
 ('00000000-0000-4000-8000-000000091003', 'ORD-X-3', '00000000-0000-4000-8000-000000009202', '00000000-0000-4000-8000-000000009711', 99, 'failed', 'painting-cleaning', '2025-10-01 10:00:00', '2025-10-01 10:00:00');
INSERT INTO payment_transactions (id, order_id, user_id, provider_service_id, amount, status, service_name, created_at, updated_at, device_info)
 VALUES ('00000000-0000-4000-8000-000000091004', 'ORD-X-4', '00000000-0000-4000-8000-000000009201', '00000000-0000-4000-8000-000000000701', 49, 'pending', 'plumber', '2025-10-01 10:00:00', '2025-10-01 10:00:00', '{}');
-- 011's remaps: queue processing -> pending, sent -> delivered; receipts sent -> pending.
INSERT INTO notification_queue (id, user_id, notification_data, status) VALUES
 ('00000000-0000-4000-8000-000000009a01', '00000000-0000-4000-8000-000000000301', '{}', 'processing'),
 ('00000000-0000-4000-8000-000000009a02', '00000000-0000-4000-8000-000000000301', '{}', 'sent'),
 ('00000000-0000-4000-8000-000000009a03', '00000000-0000-4000-8000-000000000302', '{}', 'pending'),
 ('00000000-0000-4000-8000-000000009a04', '00000000-0000-4000-8000-000000000302', '{}', 'failed'),
 ('00000000-0000-4000-8000-000000009a05', '00000000-0000-4000-8000-000000000303', '{}', 'sent'),
 ('00000000-0000-4000-8000-000000009a06', '00000000-0000-4000-8000-000000000303', '{}', 'processing');
INSERT INTO notification_receipts (id, push_token, receipt_id, status) VALUES
 ('00000000-0000-4000-8000-000000009b01', 'tok1', 'r1', 'sent'),
 ('00000000-0000-4000-8000-000000009b02', 'tok1', 'r2', 'delivered'),
 ('00000000-0000-4000-8000-000000009b03', 'tok2', 'r3', 'failed'),
 ('00000000-0000-4000-8000-000000009b04', 'tok2', 'r4', 'sent'),
 ('00000000-0000-4000-8000-000000009b05', 'tok3', NULL, 'sent');
