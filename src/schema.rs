// @generated automatically by Diesel CLI.

diesel::table! {
    addresses (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        #[sql_name = "type"]
        type_ -> Nullable<Text>,
        state -> Nullable<Text>,
        city -> Nullable<Text>,
        full_address -> Nullable<Text>,
        pincode -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bookings (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        provider_service_id -> Nullable<Uuid>,
        selected_service -> Nullable<Text>,
        appointment_date -> Nullable<Date>,
        appointment_time -> Nullable<Text>,
        address -> Nullable<Text>,
        description -> Nullable<Text>,
        status -> Nullable<Text>,
        rejection_reason -> Nullable<Text>,
        cancellation_reason -> Nullable<Text>,
        report_reason -> Nullable<Text>,
        report_description -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    call_events (id) {
        id -> Uuid,
        call_log_id -> Nullable<Uuid>,
        event_type -> Text,
        event_data -> Nullable<Jsonb>,
        timestamp -> Nullable<Timestamp>,
    }
}

diesel::table! {
    call_logs (id) {
        id -> Uuid,
        booking_id -> Nullable<Uuid>,
        session_id -> Text,
        call_sid -> Text,
        caller_type -> Text,
        caller_phone -> Text,
        call_status -> Nullable<Text>,
        call_duration -> Nullable<Int4>,
        connection_quality -> Nullable<Jsonb>,
        error_details -> Nullable<Jsonb>,
        end_reason -> Nullable<Text>,
        metrics -> Nullable<Jsonb>,
        call_started_at -> Nullable<Timestamp>,
        call_ended_at -> Nullable<Timestamp>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    call_recordings (id) {
        id -> Uuid,
        call_log_id -> Nullable<Uuid>,
        recording_sid -> Text,
        recording_url -> Nullable<Text>,
        duration -> Nullable<Int4>,
        file_size -> Nullable<Int4>,
        status -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    call_sessions (id) {
        id -> Uuid,
        booking_id -> Nullable<Uuid>,
        session_id -> Text,
        proxy_number -> Text,
        customer_phone -> Text,
        provider_phone -> Text,
        customer_participant_sid -> Nullable<Text>,
        provider_participant_sid -> Nullable<Text>,
        status -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_logs (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        notification_type -> Text,
        title -> Nullable<Text>,
        body -> Nullable<Text>,
        data -> Nullable<Jsonb>,
        status -> Nullable<Text>,
        error_message -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_queue (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        notification_data -> Jsonb,
        attempts -> Nullable<Int4>,
        max_attempts -> Nullable<Int4>,
        next_attempt_at -> Nullable<Timestamp>,
        status -> Nullable<Text>,
        error_message -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notification_receipts (id) {
        id -> Uuid,
        push_token -> Text,
        receipt_id -> Nullable<Text>,
        status -> Nullable<Text>,
        error_code -> Nullable<Text>,
        error_message -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        title -> Nullable<Text>,
        message -> Nullable<Text>,
        is_read -> Nullable<Bool>,
        role -> Nullable<Text>,
        translation_key -> Nullable<Text>,
        translation_params -> Nullable<Jsonb>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payment_api_logs (id) {
        id -> Uuid,
        payment_transaction_id -> Nullable<Uuid>,
        api_endpoint -> Text,
        request_method -> Text,
        request_headers -> Nullable<Jsonb>,
        request_body -> Nullable<Jsonb>,
        response_status -> Nullable<Int4>,
        response_headers -> Nullable<Jsonb>,
        response_body -> Nullable<Jsonb>,
        response_time_ms -> Nullable<Int4>,
        error_message -> Nullable<Text>,
        timestamp -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payment_events (id) {
        id -> Uuid,
        payment_transaction_id -> Nullable<Uuid>,
        event_type -> Text,
        event_data -> Nullable<Jsonb>,
        timestamp -> Nullable<Timestamp>,
        user_id -> Nullable<Uuid>,
        ip_address -> Nullable<Inet>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    payment_security_events (id) {
        id -> Uuid,
        payment_transaction_id -> Nullable<Uuid>,
        event_type -> Text,
        risk_score -> Nullable<Numeric>,
        risk_factors -> Nullable<Jsonb>,
        action_taken -> Nullable<Text>,
        details -> Nullable<Jsonb>,
        timestamp -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payment_transactions (id) {
        id -> Uuid,
        #[max_length = 255]
        order_id -> Varchar,
        user_id -> Nullable<Uuid>,
        provider_service_id -> Nullable<Uuid>,
        amount -> Numeric,
        #[max_length = 50]
        status -> Nullable<Varchar>,
        #[max_length = 50]
        payment_method -> Nullable<Varchar>,
        service_name -> Nullable<Text>,
        #[max_length = 255]
        transaction_id -> Nullable<Varchar>,
        payment_gateway_response -> Nullable<Jsonb>,
        #[max_length = 255]
        payment_flow_id -> Nullable<Varchar>,
        user_agent -> Nullable<Text>,
        ip_address -> Nullable<Inet>,
        device_info -> Nullable<Jsonb>,
        error_details -> Nullable<Jsonb>,
        performance_metrics -> Nullable<Jsonb>,
        security_flags -> Nullable<Jsonb>,
        retry_count -> Nullable<Int4>,
        retry_reason -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    provider_profiles (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        years_of_experience -> Nullable<Int4>,
        service_description -> Nullable<Text>,
        is_engineering_provider -> Nullable<Bool>,
        engineering_certificate_url -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    provider_services (id) {
        id -> Uuid,
        provider_id -> Nullable<Uuid>,
        service_id -> Nullable<Uuid>,
        service_charge_value -> Nullable<Numeric>,
        service_charge_unit -> Nullable<Text>,
        working_proof_urls -> Nullable<Array<Nullable<Text>>>,
        payment_status -> Nullable<Text>,
        payment_start_date -> Nullable<Date>,
        payment_end_date -> Nullable<Date>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ratings (id) {
        id -> Uuid,
        booking_id -> Nullable<Uuid>,
        rating -> Nullable<Int4>,
        review -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scheduled_notifications (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        notification_data -> Jsonb,
        scheduled_time -> Timestamp,
        sent -> Nullable<Bool>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    services_master (id) {
        id -> Uuid,
        name -> Text,
        category -> Nullable<Text>,
        is_paid -> Nullable<Bool>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_notification_settings (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        settings -> Jsonb,
        updated_at -> Nullable<Timestamp>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_push_tokens (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        push_token -> Text,
        device_info -> Nullable<Jsonb>,
        is_active -> Nullable<Bool>,
        created_at -> Nullable<Timestamp>,
        last_seen -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        full_name -> Text,
        email -> Nullable<Text>,
        phone -> Text,
        password -> Text,
        profile_pic_url -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        role -> Text,
        is_verified -> Nullable<Bool>,
    }
}

diesel::joinable!(addresses -> users (user_id));
diesel::joinable!(bookings -> provider_services (provider_service_id));
diesel::joinable!(bookings -> users (user_id));
diesel::joinable!(call_events -> call_logs (call_log_id));
diesel::joinable!(call_logs -> bookings (booking_id));
diesel::joinable!(call_recordings -> call_logs (call_log_id));
diesel::joinable!(call_sessions -> bookings (booking_id));
diesel::joinable!(notification_logs -> users (user_id));
diesel::joinable!(notification_queue -> users (user_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(payment_api_logs -> payment_transactions (payment_transaction_id));
diesel::joinable!(payment_events -> payment_transactions (payment_transaction_id));
diesel::joinable!(payment_events -> users (user_id));
diesel::joinable!(payment_security_events -> payment_transactions (payment_transaction_id));
diesel::joinable!(payment_transactions -> provider_services (provider_service_id));
diesel::joinable!(payment_transactions -> users (user_id));
diesel::joinable!(provider_profiles -> users (user_id));
diesel::joinable!(provider_services -> provider_profiles (provider_id));
diesel::joinable!(provider_services -> services_master (service_id));
diesel::joinable!(ratings -> bookings (booking_id));
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
