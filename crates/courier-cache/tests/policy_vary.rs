//! RFC 9111 §4.1: secondary keys from `Vary`.

mod common;

use common::*;
use courier_cache::policy::vary::{matches, secondary_key};
use courier_cache::policy::{ForwardReason, Lookup};
use courier_cache::{Clock, MockClock};

fn varying(
    policy: &courier_cache::Policy,
    clock: &MockClock,
    request: &[(&str, &str)],
    vary: &str,
) -> Entry {
    cached_for(
        policy,
        clock,
        &get(request),
        &[("cache-control", "max-age=600"), ("vary", vary)],
    )
}

#[test]
fn rfc9111_4_1_vary_selects_the_matching_request() {
    let clock = MockClock::default();
    let policy = private();
    let entry = varying(
        &policy,
        &clock,
        &[("accept-encoding", "gzip")],
        "Accept-Encoding",
    );
    assert_eq!(
        kind(&lookup(
            &policy,
            &entry,
            &get(&[("accept-encoding", "gzip")]),
            clock.now()
        )),
        "fresh"
    );
}

#[test]
fn rfc9111_4_1_vary_mismatch_is_forwarded() {
    let clock = MockClock::default();
    let policy = private();
    let entry = varying(
        &policy,
        &clock,
        &[("accept-encoding", "gzip")],
        "Accept-Encoding",
    );
    assert!(matches!(
        lookup(
            &policy,
            &entry,
            &get(&[("accept-encoding", "br")]),
            clock.now()
        ),
        Lookup::Forward(ForwardReason::VaryMismatch)
    ));
}

#[test]
fn rfc9111_4_1_vary_values_are_normalised() {
    let response = headers(&[("vary", "accept-encoding")]);
    let stored = headers(&[("accept-encoding", "gzip, br")]);
    // Whitespace around separators and the split into several lines do not matter.
    let same = headers(&[("accept-encoding", "gzip"), ("accept-encoding", "  br ")]);
    assert!(matches(&response, &stored, &same));
    assert!(matches(
        &response,
        &stored,
        &headers(&[("accept-encoding", "gzip,br")])
    ));
    // Order and case of values do.
    assert!(!matches(
        &response,
        &stored,
        &headers(&[("accept-encoding", "br, gzip")])
    ));
    assert!(!matches(
        &response,
        &stored,
        &headers(&[("accept-encoding", "GZIP, br")])
    ));
}

#[test]
fn rfc9111_4_1_vary_field_names_are_case_insensitive_and_may_repeat() {
    let response = headers(&[
        ("vary", "ACCEPT-language, Accept"),
        ("vary", "accept-Language"),
    ]);
    let stored = headers(&[("accept-language", "fr"), ("accept", "text/html")]);
    assert!(matches(&response, &stored, &stored.clone()));
    assert_eq!(
        secondary_key(&response, &stored).as_deref(),
        Some("accept=text/html\naccept-language=fr")
    );
}

#[test]
fn rfc9111_4_1_vary_field_absent_from_both_requests_matches() {
    let response = headers(&[("vary", "accept-language")]);
    assert!(matches(&response, &headers(&[]), &headers(&[])));
    assert!(!matches(
        &response,
        &headers(&[]),
        &headers(&[("accept-language", "fr")])
    ));
    assert!(!matches(
        &response,
        &headers(&[("accept-language", "fr")]),
        &headers(&[])
    ));
    // Absent and present-but-empty differ in the secondary key too.
    assert_ne!(
        secondary_key(&response, &headers(&[])),
        secondary_key(&response, &headers(&[("accept-language", "")]))
    );
}

#[test]
fn rfc9111_4_1_vary_star_never_matches() {
    let response = headers(&[("vary", "*")]);
    assert!(!matches(&response, &headers(&[]), &headers(&[])));
    assert_eq!(secondary_key(&response, &headers(&[])), None);
}

#[test]
fn rfc9111_4_1_several_variants_of_one_url_coexist() {
    let clock = MockClock::default();
    let policy = private();
    let french = varying(
        &policy,
        &clock,
        &[("accept-language", "fr")],
        "accept-language",
    );
    let german = varying(
        &policy,
        &clock,
        &[("accept-language", "de")],
        "accept-language",
    );
    let response = &french.response_headers;
    let key_fr = secondary_key(response, &headers(&[("accept-language", "fr")]));
    let key_de = secondary_key(response, &headers(&[("accept-language", "de")]));
    assert_ne!(key_fr, key_de);
    let wants_de = get(&[("accept-language", "de")]);
    assert_eq!(
        kind(&lookup(&policy, &french, &wants_de, clock.now())),
        "forward"
    );
    assert_eq!(
        kind(&lookup(&policy, &german, &wants_de, clock.now())),
        "fresh"
    );
}

#[test]
fn rfc9111_4_1_no_vary_means_an_empty_secondary_key() {
    assert_eq!(
        secondary_key(&headers(&[]), &headers(&[("accept", "x")])).as_deref(),
        Some("")
    );
}

#[test]
fn rfc9111_4_1_secondary_key_escapes_non_ascii_bytes() {
    let response = headers(&[("vary", "x-name")]);
    let mut request = http::HeaderMap::new();
    request.insert(
        "x-name",
        http::HeaderValue::from_bytes(b"caf\xe9 100%").expect("obs-text"),
    );
    assert_eq!(
        secondary_key(&response, &request).as_deref(),
        Some("x-name=caf%E9 100%25")
    );
}
