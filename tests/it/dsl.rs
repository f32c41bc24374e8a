//! src/schema.rs is usable: a user, a provider with a service, a booking and
//! a payment written and read back through Diesel's query DSL on the migrated
//! PostgreSQL schema (the Node.js runner's columns).

use buildxpert_migrate::schema::{
    bookings, payment_transactions, provider_profiles, provider_services, services_master, users,
};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Numeric, Text};
use uuid::Uuid;

use crate::support::{PgDb, migrate};

fn new_user(conn: &mut PgConnection, name: &str, phone: &str, role: &str) -> Uuid {
    diesel::insert_into(users::table)
        .values((
            users::full_name.eq(name),
            users::phone.eq(phone),
            users::password.eq("$2b$10$abcdefghijklmnopqrstuv"),
            users::role.eq(role),
        ))
        .returning(users::id)
        .get_result(conn)
        .unwrap()
}

/// A booking as read back: customer, service, status, date, work proofs.
type BookingRow = (
    String,
    String,
    Option<String>,
    Option<chrono::NaiveDate>,
    Option<Vec<Option<String>>>,
);

/// A payment as read back: payer, provider, amount, status, method, retries, gateway response.
type PaymentRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<serde_json::Value>,
);

#[test]
fn write_and_read_a_user_a_provider_a_booking_and_a_payment() {
    let db = PgDb::new();
    migrate(&db.url, &["--skip-optional"]).assert_code(0);
    let mut conn = db.conn();

    let customer = new_user(&mut conn, "Meera Iyer", "+919811111111", "user");
    let provider_user = new_user(&mut conn, "Arjun Electricals", "+919822222222", "provider");
    let provider: Uuid = diesel::insert_into(provider_profiles::table)
        .values((
            provider_profiles::user_id.eq(provider_user),
            provider_profiles::years_of_experience.eq(7),
            provider_profiles::service_description.eq("Wiring, fans and lights"),
        ))
        .returning(provider_profiles::id)
        .get_result(&mut conn)
        .unwrap();
    let service: Uuid = diesel::insert_into(services_master::table)
        .values((
            services_master::name.eq("Ceiling fan installation"),
            services_master::category.eq("electrical"),
        ))
        .returning(services_master::id)
        .get_result(&mut conn)
        .unwrap();
    // numeric needs Diesel's `numeric` feature to bind a Rust value: a literal will do.
    let provider_service: Uuid = diesel::insert_into(provider_services::table)
        .values((
            provider_services::provider_id.eq(provider),
            provider_services::service_id.eq(service),
            provider_services::service_charge_value.eq(sql::<Nullable<Numeric>>("499")),
            provider_services::service_charge_unit.eq("per visit"),
            provider_services::working_proof_urls.eq(vec![Some("https://cdn.example/1.jpg")]),
        ))
        .returning(provider_services::id)
        .get_result(&mut conn)
        .unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
    let booking: Uuid = diesel::insert_into(bookings::table)
        .values((
            bookings::user_id.eq(customer),
            bookings::provider_service_id.eq(provider_service),
            bookings::selected_service.eq("Ceiling fan installation"),
            bookings::appointment_date.eq(date),
            bookings::appointment_time.eq("10:30"),
            bookings::address.eq("12 MG Road, Bengaluru 560001"),
        ))
        .returning(bookings::id)
        .get_result(&mut conn)
        .unwrap();
    diesel::insert_into(payment_transactions::table)
        .values((
            payment_transactions::order_id.eq("ORDER_BX_2026_0001"),
            payment_transactions::user_id.eq(customer),
            payment_transactions::provider_service_id.eq(provider_service),
            payment_transactions::amount.eq(sql::<Numeric>("499.00")),
            payment_transactions::service_name.eq("Ceiling fan installation"),
            payment_transactions::payment_gateway_response
                .eq(serde_json::json!({"RESPCODE": "01"})),
        ))
        .execute(&mut conn)
        .unwrap();

    // The defaults are the Node.js runner's.
    let (is_verified, profile_pic_url, created_at): (
        Option<bool>,
        Option<String>,
        Option<chrono::NaiveDateTime>,
    ) = users::table
        .find(customer)
        .select((
            users::is_verified,
            users::profile_pic_url,
            users::created_at,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (is_verified, profile_pic_url.as_deref()),
        (Some(false), Some(""))
    );
    assert!(created_at.is_some());

    let (name, service_name, status, appointment, proofs): BookingRow = bookings::table
        .inner_join(users::table)
        .inner_join(provider_services::table.inner_join(services_master::table))
        .select((
            users::full_name,
            services_master::name,
            bookings::status,
            bookings::appointment_date,
            provider_services::working_proof_urls,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (name.as_str(), service_name.as_str(), status.as_deref()),
        ("Meera Iyer", "Ceiling fan installation", Some("pending"))
    );
    assert_eq!(appointment, Some(date));
    assert_eq!(proofs, Some(vec![Some("https://cdn.example/1.jpg".into())]));

    let (payer, provider_name, amount, status, method, retries, response): PaymentRow =
        payment_transactions::table
            .inner_join(users::table)
            .inner_join(provider_services::table.inner_join(provider_profiles::table))
            .select((
                users::full_name,
                provider_profiles::service_description.assume_not_null(),
                sql::<Text>("payment_transactions.amount::text"),
                payment_transactions::status,
                payment_transactions::payment_method,
                payment_transactions::retry_count,
                payment_transactions::payment_gateway_response,
            ))
            .first(&mut conn)
            .unwrap();
    assert_eq!(
        (
            payer.as_str(),
            provider_name.as_str(),
            amount.as_str(),
            status.as_deref(),
            method.as_deref(),
            retries
        ),
        (
            "Meera Iyer",
            "Wiring, fans and lights",
            "499.00",
            Some("pending"),
            Some("paytm"),
            Some(0)
        )
    );
    assert_eq!(response, Some(serde_json::json!({"RESPCODE": "01"})));

    // The schema's CHECK constraints hold through the DSL too.
    let bad = diesel::update(bookings::table.find(booking))
        .set(bookings::status.eq("done"))
        .execute(&mut conn);
    assert!(format!("{:?}", bad.unwrap_err()).contains("bookings_status_check"));
    let bad = diesel::update(payment_transactions::table)
        .set(payment_transactions::status.eq("disputed"))
        .execute(&mut conn);
    assert!(format!("{:?}", bad.unwrap_err()).contains("payment_transactions_status_check"));
}
