//! src/schema.rs is usable: a user, a booking and a payment written and read
//! back through Diesel's query DSL on the migrated PostgreSQL schema.

use buildxpert_migrate::schema::{
    bookings, payment_transactions, provider_profiles, services_master, users,
};
use diesel::prelude::*;
use uuid::Uuid;

use crate::support::{PgDb, migrate};

fn new_user(conn: &mut PgConnection, name: &str, phone: &str, role: &str) -> Uuid {
    diesel::insert_into(users::table)
        .values((
            users::full_name.eq(name),
            users::phone.eq(phone),
            users::role.eq(role),
        ))
        .returning(users::id)
        .get_result(conn)
        .unwrap()
}

#[test]
fn write_and_read_a_user_a_booking_and_a_payment() {
    let db = PgDb::new();
    migrate(&db.url, &["--skip-optional"]).assert_code(0);
    let mut conn = db.conn();

    let customer = new_user(&mut conn, "Meera Iyer", "+919811111111", "customer");
    let provider_user = new_user(&mut conn, "Arjun Electricals", "+919822222222", "provider");
    let provider: Uuid = diesel::insert_into(provider_profiles::table)
        .values((
            provider_profiles::user_id.eq(provider_user),
            provider_profiles::business_name.eq("Arjun Electricals"),
        ))
        .returning(provider_profiles::id)
        .get_result(&mut conn)
        .unwrap();
    let service: Uuid = diesel::insert_into(services_master::table)
        .values((
            services_master::code.eq("fan_installation"),
            services_master::name.eq("Ceiling fan installation"),
            services_master::category.eq("electrical"),
            services_master::base_price_minor.eq(49_900_i64),
        ))
        .returning(services_master::id)
        .get_result(&mut conn)
        .unwrap();
    let scheduled = chrono::Utc::now() + chrono::Duration::days(1);
    let booking: Uuid = diesel::insert_into(bookings::table)
        .values((
            bookings::booking_code.eq("BX-2026-0001"),
            bookings::customer_id.eq(customer),
            bookings::provider_id.eq(provider),
            bookings::service_id.eq(service),
            bookings::scheduled_at.eq(scheduled),
            bookings::service_address.eq("12 MG Road, Bengaluru 560001"),
            bookings::quoted_amount_minor.eq(49_900_i64),
        ))
        .returning(bookings::id)
        .get_result(&mut conn)
        .unwrap();
    diesel::insert_into(payment_transactions::table)
        .values((
            payment_transactions::booking_id.eq(booking),
            payment_transactions::customer_id.eq(customer),
            payment_transactions::amount_minor.eq(49_900_i64),
            payment_transactions::gateway_order_id.eq("order_NXq1x2y3z4"),
            payment_transactions::idempotency_key.eq("checkout-BX-2026-0001"),
            payment_transactions::metadata.eq(serde_json::json!({"attempt": 1})),
        ))
        .execute(&mut conn)
        .unwrap();

    let (name, code, status, amount, currency, payment_status): (
        String,
        String,
        String,
        i64,
        String,
        String,
    ) = payment_transactions::table
        .inner_join(
            bookings::table.inner_join(users::table.on(users::id.eq(bookings::customer_id))),
        )
        .select((
            users::full_name,
            bookings::booking_code,
            bookings::status,
            payment_transactions::amount_minor,
            payment_transactions::currency,
            payment_transactions::status,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (
            name.as_str(),
            code.as_str(),
            status.as_str(),
            amount,
            currency.as_str(),
            payment_status.as_str()
        ),
        (
            "Meera Iyer",
            "BX-2026-0001",
            "pending",
            49_900,
            "INR",
            "created"
        )
    );
    let stored: chrono::DateTime<chrono::Utc> = bookings::table
        .select(bookings::scheduled_at)
        .first(&mut conn)
        .unwrap();
    assert_eq!(stored.timestamp_micros(), scheduled.timestamp_micros());

    // The schema's CHECK constraints hold through the DSL too.
    let bad = diesel::update(bookings::table.find(booking))
        .set(bookings::status.eq("done"))
        .execute(&mut conn);
    assert!(format!("{:?}", bad.unwrap_err()).contains("chk_bookings_status"));
}
