// @generated automatically by Diesel CLI.

diesel::table! {
    addresses (id) {
        id -> Uuid,
        user_id -> Uuid,
        #[max_length = 50]
        label -> Nullable<Varchar>,
        line1 -> Text,
        line2 -> Nullable<Text>,
        landmark -> Nullable<Text>,
        city -> Text,
        state -> Text,
        #[max_length = 12]
        postal_code -> Varchar,
        #[max_length = 2]
        country_code -> Varchar,
        latitude -> Nullable<Float8>,
        longitude -> Nullable<Float8>,
        is_default -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    bookings (id) {
        id -> Uuid,
        #[max_length = 20]
        booking_code -> Varchar,
        customer_id -> Uuid,
        provider_id -> Uuid,
        service_id -> Uuid,
        address_id -> Nullable<Uuid>,
        status -> Text,
        scheduled_at -> Timestamptz,
        service_address -> Text,
        latitude -> Nullable<Float8>,
        longitude -> Nullable<Float8>,
        customer_notes -> Nullable<Text>,
        quoted_amount_minor -> Int8,
        final_amount_minor -> Nullable<Int8>,
        currency -> Text,
        payment_method -> Text,
        payment_status -> Text,
        accepted_at -> Nullable<Timestamptz>,
        started_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        cancelled_by -> Nullable<Text>,
        cancellation_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    call_events (id) {
        id -> Uuid,
        call_log_id -> Uuid,
        user_id -> Nullable<Uuid>,
        event_type -> Text,
        platform -> Nullable<Text>,
        ip_address -> Nullable<Text>,
        payload -> Nullable<Jsonb>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    call_logs (id) {
        id -> Uuid,
        session_id -> Uuid,
        caller_id -> Uuid,
        callee_id -> Uuid,
        caller_role -> Text,
        status -> Text,
        telephony_call_sid -> Nullable<Text>,
        caller_platform -> Nullable<Text>,
        answered_at -> Nullable<Timestamptz>,
        ended_at -> Nullable<Timestamptz>,
        duration_seconds -> Int4,
        end_reason -> Nullable<Text>,
        quality_rating -> Nullable<Int2>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    call_recordings (id) {
        id -> Uuid,
        call_log_id -> Uuid,
        storage_key -> Text,
        #[max_length = 10]
        audio_format -> Varchar,
        duration_seconds -> Int4,
        file_size_bytes -> Nullable<Int8>,
        status -> Text,
        consent_obtained -> Bool,
        retention_until -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    call_sessions (id) {
        id -> Uuid,
        booking_id -> Uuid,
        customer_id -> Uuid,
        provider_id -> Uuid,
        channel -> Text,
        room_id -> Nullable<Text>,
        #[max_length = 16]
        masked_number -> Nullable<Varchar>,
        status -> Text,
        expires_at -> Timestamptz,
        max_call_duration_seconds -> Int4,
        closed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notification_logs (id) {
        id -> Uuid,
        user_id -> Uuid,
        notification_id -> Nullable<Uuid>,
        scheduled_notification_id -> Nullable<Uuid>,
        push_token_id -> Nullable<Uuid>,
        channel -> Text,
        platform -> Nullable<Text>,
        notification_type -> Text,
        title -> Nullable<Text>,
        body -> Nullable<Text>,
        payload -> Nullable<Jsonb>,
        status -> Text,
        provider_message_id -> Nullable<Text>,
        error_code -> Nullable<Text>,
        error_message -> Nullable<Text>,
        sent_at -> Nullable<Timestamptz>,
        delivered_at -> Nullable<Timestamptz>,
        opened_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notification_queue (id) {
        id -> Uuid,
        user_id -> Uuid,
        notification_log_id -> Nullable<Uuid>,
        push_token_id -> Nullable<Uuid>,
        channel -> Text,
        notification_type -> Text,
        payload -> Jsonb,
        status -> Text,
        priority -> Int2,
        retry_count -> Int4,
        max_retries -> Int4,
        next_retry_at -> Timestamptz,
        last_attempt_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        locked_by -> Nullable<Text>,
        locked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notification_receipts (id) {
        id -> Uuid,
        notification_log_id -> Uuid,
        push_token_id -> Nullable<Uuid>,
        receipt_id -> Nullable<Text>,
        status -> Text,
        error_code -> Nullable<Text>,
        error_message -> Nullable<Text>,
        raw_response -> Nullable<Jsonb>,
        received_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    notifications (id) {
        id -> Uuid,
        user_id -> Uuid,
        booking_id -> Nullable<Uuid>,
        notification_type -> Text,
        title -> Text,
        body -> Text,
        data -> Nullable<Jsonb>,
        is_read -> Bool,
        read_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    payment_api_logs (id) {
        id -> Uuid,
        transaction_id -> Nullable<Uuid>,
        operation -> Text,
        #[max_length = 10]
        http_method -> Varchar,
        endpoint -> Text,
        request_body -> Nullable<Jsonb>,
        response_status_code -> Nullable<Int4>,
        response_body -> Nullable<Jsonb>,
        duration_ms -> Nullable<Int4>,
        attempt_number -> Int4,
        is_success -> Bool,
        error_message -> Nullable<Text>,
        #[max_length = 64]
        correlation_id -> Nullable<Varchar>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    payment_events (id) {
        id -> Uuid,
        transaction_id -> Nullable<Uuid>,
        event_type -> Text,
        source -> Text,
        gateway_event_id -> Nullable<Text>,
        previous_status -> Nullable<Text>,
        new_status -> Nullable<Text>,
        payload -> Nullable<Jsonb>,
        signature_verified -> Bool,
        processed_at -> Nullable<Timestamptz>,
        processing_error -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    payment_security_events (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        transaction_id -> Nullable<Uuid>,
        event_type -> Text,
        severity -> Text,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        details -> Nullable<Jsonb>,
        is_resolved -> Bool,
        resolved_at -> Nullable<Timestamptz>,
        resolved_by -> Nullable<Uuid>,
        resolution_notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    payment_transactions (id) {
        id -> Uuid,
        booking_id -> Uuid,
        customer_id -> Uuid,
        parent_transaction_id -> Nullable<Uuid>,
        transaction_type -> Text,
        status -> Text,
        amount_minor -> Int8,
        currency -> Text,
        platform_fee_minor -> Int8,
        refunded_amount_minor -> Int8,
        gateway -> Text,
        payment_method -> Nullable<Text>,
        gateway_order_id -> Nullable<Text>,
        gateway_payment_id -> Nullable<Text>,
        gateway_refund_id -> Nullable<Text>,
        #[max_length = 64]
        idempotency_key -> Varchar,
        failure_code -> Nullable<Text>,
        failure_reason -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        authorized_at -> Nullable<Timestamptz>,
        captured_at -> Nullable<Timestamptz>,
        failed_at -> Nullable<Timestamptz>,
        refunded_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    provider_profiles (id) {
        id -> Uuid,
        user_id -> Uuid,
        business_name -> Nullable<Text>,
        bio -> Nullable<Text>,
        experience_years -> Int2,
        verification_status -> Text,
        verified_at -> Nullable<Timestamptz>,
        kyc_document_url -> Nullable<Text>,
        is_available -> Bool,
        service_radius_km -> Int4,
        base_latitude -> Nullable<Float8>,
        base_longitude -> Nullable<Float8>,
        average_rating -> Float8,
        rating_count -> Int4,
        completed_jobs_count -> Int4,
        razorpay_account_id -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    provider_services (id) {
        id -> Uuid,
        provider_id -> Uuid,
        service_id -> Uuid,
        price_minor -> Int8,
        currency -> Text,
        is_active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    ratings (id) {
        id -> Uuid,
        booking_id -> Uuid,
        customer_id -> Uuid,
        provider_id -> Uuid,
        score -> Int2,
        review -> Nullable<Text>,
        is_visible -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    scheduled_notifications (id) {
        id -> Uuid,
        user_id -> Uuid,
        booking_id -> Nullable<Uuid>,
        notification_type -> Text,
        title -> Text,
        body -> Text,
        data -> Nullable<Jsonb>,
        scheduled_at -> Timestamptz,
        status -> Text,
        attempts -> Int4,
        last_error -> Nullable<Text>,
        #[max_length = 128]
        dedupe_key -> Nullable<Varchar>,
        sent_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    services_master (id) {
        id -> Uuid,
        #[max_length = 64]
        code -> Varchar,
        name -> Text,
        category -> Text,
        description -> Nullable<Text>,
        base_price_minor -> Int8,
        currency -> Text,
        price_unit -> Text,
        estimated_duration_minutes -> Nullable<Int4>,
        icon_url -> Nullable<Text>,
        is_active -> Bool,
        sort_order -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    user_notification_settings (id) {
        id -> Uuid,
        user_id -> Uuid,
        push_enabled -> Bool,
        sms_enabled -> Bool,
        email_enabled -> Bool,
        booking_updates_enabled -> Bool,
        payment_updates_enabled -> Bool,
        reminders_enabled -> Bool,
        promotions_enabled -> Bool,
        quiet_hours_start_minute -> Nullable<Int2>,
        quiet_hours_end_minute -> Nullable<Int2>,
        timezone -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    user_push_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        device_token -> Text,
        platform -> Text,
        push_provider -> Text,
        device_id -> Nullable<Text>,
        device_model -> Nullable<Text>,
        #[max_length = 20]
        app_version -> Nullable<Varchar>,
        #[max_length = 20]
        os_version -> Nullable<Varchar>,
        is_active -> Bool,
        failure_count -> Int4,
        last_used_at -> Nullable<Timestamptz>,
        invalidated_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        full_name -> Text,
        email -> Nullable<Text>,
        #[max_length = 16]
        phone -> Varchar,
        password_hash -> Nullable<Text>,
        role -> Text,
        status -> Text,
        is_email_verified -> Bool,
        is_phone_verified -> Bool,
        profile_image_url -> Nullable<Text>,
        #[max_length = 10]
        locale -> Varchar,
        last_login_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(addresses -> users (user_id));
diesel::joinable!(bookings -> addresses (address_id));
diesel::joinable!(bookings -> provider_profiles (provider_id));
diesel::joinable!(bookings -> services_master (service_id));
diesel::joinable!(bookings -> users (customer_id));
diesel::joinable!(call_events -> call_logs (call_log_id));
diesel::joinable!(call_events -> users (user_id));
diesel::joinable!(call_logs -> call_sessions (session_id));
diesel::joinable!(call_recordings -> call_logs (call_log_id));
diesel::joinable!(call_sessions -> bookings (booking_id));
diesel::joinable!(call_sessions -> provider_profiles (provider_id));
diesel::joinable!(call_sessions -> users (customer_id));
diesel::joinable!(notification_logs -> notifications (notification_id));
diesel::joinable!(notification_logs -> scheduled_notifications (scheduled_notification_id));
diesel::joinable!(notification_logs -> user_push_tokens (push_token_id));
diesel::joinable!(notification_logs -> users (user_id));
diesel::joinable!(notification_queue -> notification_logs (notification_log_id));
diesel::joinable!(notification_queue -> user_push_tokens (push_token_id));
diesel::joinable!(notification_queue -> users (user_id));
diesel::joinable!(notification_receipts -> notification_logs (notification_log_id));
diesel::joinable!(notification_receipts -> user_push_tokens (push_token_id));
diesel::joinable!(notifications -> bookings (booking_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(payment_api_logs -> payment_transactions (transaction_id));
diesel::joinable!(payment_events -> payment_transactions (transaction_id));
diesel::joinable!(payment_security_events -> payment_transactions (transaction_id));
diesel::joinable!(payment_transactions -> bookings (booking_id));
diesel::joinable!(payment_transactions -> users (customer_id));
diesel::joinable!(provider_profiles -> users (user_id));
diesel::joinable!(provider_services -> provider_profiles (provider_id));
diesel::joinable!(provider_services -> services_master (service_id));
diesel::joinable!(ratings -> bookings (booking_id));
diesel::joinable!(ratings -> provider_profiles (provider_id));
diesel::joinable!(ratings -> users (customer_id));
diesel::joinable!(scheduled_notifications -> bookings (booking_id));
diesel::joinable!(scheduled_notifications -> users (user_id));
diesel::joinable!(user_notification_settings -> users (user_id));
diesel::joinable!(user_push_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    addresses,
    bookings,
    call_events,
    call_logs,
    call_recordings,
    call_sessions,
    notification_logs,
    notification_queue,
    notification_receipts,
    notifications,
    payment_api_logs,
    payment_events,
    payment_security_events,
    payment_transactions,
    provider_profiles,
    provider_services,
    ratings,
    scheduled_notifications,
    services_master,
    user_notification_settings,
    user_push_tokens,
    users,
);
