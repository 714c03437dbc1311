//! RFC 9111 §4.2.3 age calculation and §5.1 the `Age` header a served response carries.

mod common;

use common::*;
use courier_cache::policy::Lookup;
use courier_cache::policy::age::{AgeCalculation, age_value};
use courier_cache::{Clock, MockClock};

#[test]
fn rfc9111_4_2_3_age_calculation_includes_response_delay_and_resident_time() {
    let clock = MockClock::default();
    let policy = private();
    let request_time = clock.now();
    clock.advance(secs(3)); // in flight
    let response_time = clock.now();
    // The origin's Date says the response was generated 1 s after the request was sent, and
    // an upstream cache held it for 20 s.
    let response = res(
        200,
        &[
            ("cache-control", "max-age=600"),
            ("date", &date(request_time + secs(1))),
            ("age", "20"),
        ],
    );
    let entry = store(&policy, &get(&[]), &response, request_time, response_time);
    clock.advance(secs(100)); // resident
    // apparent_age = 3 - 1 = 2; corrected_age_value = 20 + 3 = 23;
    // corrected_initial_age = max(2, 23) = 23; current_age = 23 + 100 = 123.
    assert_eq!(policy.current_age(&entry.view(), clock.now()), secs(123));
}

#[test]
fn rfc9111_4_2_3_apparent_age_from_date_wins_when_larger() {
    let clock = MockClock::default();
    let t = clock.now();
    let headers = headers(&[("date", &date(t - secs(50))), ("age", "10")]);
    let age = AgeCalculation::new(&headers, t - secs(1), t);
    // apparent 50 vs corrected age value 10 + 1.
    assert_eq!(age.corrected_initial_age(), secs(50));
}

#[test]
fn rfc9111_4_2_3_date_in_the_future_gives_zero_apparent_age() {
    let clock = MockClock::default();
    let t = clock.now();
    let headers = headers(&[("date", &date(t + secs(500)))]);
    assert_eq!(
        AgeCalculation::new(&headers, t, t).corrected_initial_age(),
        secs(0)
    );
}

#[test]
fn rfc9111_4_2_3_missing_date_uses_response_time() {
    let clock = MockClock::default();
    let t = clock.now();
    assert_eq!(
        AgeCalculation::new(&headers(&[]), t, t).current_age(t + secs(7)),
        secs(7)
    );
    let invalid = headers(&[("date", "not a date")]);
    assert_eq!(
        AgeCalculation::new(&invalid, t, t).current_age(t + secs(7)),
        secs(7)
    );
}

#[test]
fn rfc9111_4_2_3_age_counts_toward_freshness() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=60"), ("age", "50")],
    );
    clock.advance(secs(9));
    assert_eq!(
        kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
        "fresh"
    );
    clock.advance(secs(1));
    assert_eq!(
        kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
        "revalidate"
    );
}

#[test]
fn rfc9111_5_1_list_valued_age_uses_the_first_member() {
    assert_eq!(age_value(&headers(&[("age", "30, 40")])), secs(30));
    assert_eq!(
        age_value(&headers(&[("age", "30"), ("age", "40")])),
        secs(30)
    );
}

#[test]
fn rfc9111_5_1_invalid_age_is_ignored() {
    for bad in ["-1", "abc", "1.5", "", " , 5"] {
        assert_eq!(age_value(&headers(&[("age", bad)])), secs(0), "{bad:?}");
    }
}

#[test]
fn rfc9111_1_2_2_age_overflow_is_capped_at_2_pow_31() {
    let huge = headers(&[("age", "99999999999999999999999999")]);
    assert_eq!(age_value(&huge), secs(1 << 31));
    let mut served = http::HeaderMap::new();
    courier_cache::policy::age::set_age(&mut served, std::time::Duration::MAX);
    assert_eq!(served["age"], "2147483648");
}

#[test]
fn rfc9111_5_1_served_response_carries_the_current_age() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(
        &policy,
        &clock,
        &[("cache-control", "max-age=600"), ("age", "15")],
    );
    clock.advance(secs(30));
    let Lookup::Fresh { response_headers } = lookup(&policy, &entry, &get(&[]), clock.now()) else {
        panic!("fresh");
    };
    assert_eq!(response_headers.get_all("age").iter().count(), 1);
    assert_eq!(response_headers["age"], "45");
    // The stored Date is served as stored.
    assert_eq!(response_headers["date"], entry.response_headers["date"]);
}

#[test]
fn rfc9111_4_2_3_clock_going_backwards_never_panics_or_underflows() {
    let clock = MockClock::default();
    let policy = private();
    let entry = cached(&policy, &clock, &[("cache-control", "max-age=60")]);
    clock.set(clock.now() - secs(3600));
    assert_eq!(policy.current_age(&entry.view(), clock.now()), secs(0));
    assert_eq!(
        kind(&lookup(&policy, &entry, &get(&[]), clock.now())),
        "fresh"
    );
}
