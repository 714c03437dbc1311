//! RFC 9111 §1.2, §5 parsing: `Cache-Control`, `Expires`, `Age`, `Vary`, entity tags; with
//! property tests that no input panics.

mod common;

use common::*;
use courier_cache::policy::dates::{Expires, expires, parse_http_date};
use courier_cache::policy::vary::{Vary, secondary_key};
use courier_cache::policy::{CacheControl, FieldScope, MaxStale};
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;

fn cc(s: &str) -> CacheControl {
    s.parse().expect("infallible")
}

#[test]
fn rfc9111_5_2_directive_names_are_case_insensitive() {
    assert_eq!(
        cc("MAX-AGE=5, No-Store, PUBLIC"),
        cc("max-age=5, no-store, public")
    );
}

#[test]
fn rfc9111_5_2_quoted_string_arguments() {
    assert_eq!(cc("max-age=\"60\"").max_age(), Some(secs(60)));
    let parsed = cc("no-cache=\"Set-Cookie, X-A\\\"B\", private=\"x-token\"");
    let Some(FieldScope::Fields(names)) = parsed.no_cache() else {
        panic!("qualified no-cache");
    };
    // `X-A"B` is not a field name: ignored, the rest kept.
    assert_eq!(names, [HeaderName::from_static("set-cookie")]);
    assert!(matches!(parsed.private(), Some(FieldScope::Fields(_))));
    // A comma inside quotes does not split directives.
    let tricky = cc("x-ext=\"a, max-age=1\", s-maxage=2");
    assert_eq!((tricky.max_age(), tricky.s_maxage()), (None, Some(secs(2))));
}

#[test]
fn rfc9111_5_2_several_cache_control_fields_are_combined() {
    let parsed = CacheControl::from_headers(&headers(&[
        ("cache-control", "max-age=60"),
        ("cache-control", "must-revalidate"),
        ("cache-control", ""),
    ]));
    assert_eq!(parsed, cc("max-age=60, must-revalidate"));
}

#[test]
fn rfc9111_5_2_3_unknown_directives_are_ignored() {
    let parsed = cc("x-foo, community=\"UCI\", max-age=5, pre-check=0");
    assert_eq!(parsed, cc("max-age=5"));
    assert!(cc("x-only").is_empty());
}

#[test]
fn rfc9111_4_2_1_duplicate_directives_with_different_values_are_invalid() {
    assert!(cc("max-age=5, max-age=6").has_invalid_values());
    assert_eq!(cc("max-age=5, max-age=6").max_age(), Some(secs(0)));
    assert_eq!(cc("max-age=5, MAX-AGE=5").max_age(), Some(secs(5)));
}

#[test]
fn rfc9111_1_2_2_invalid_delta_seconds_read_as_zero_and_overflow_saturates() {
    for bad in [
        "max-age",
        "max-age=",
        "max-age=-1",
        "max-age=1e3",
        "max-age=0x10",
        "max-age=5 s",
    ] {
        assert_eq!(cc(bad).max_age(), Some(secs(0)), "{bad}");
        assert!(cc(bad).has_invalid_values(), "{bad}");
    }
    assert_eq!(
        cc("max-age=99999999999999999999999").max_age(),
        Some(secs(1 << 31))
    );
    assert_eq!(cc("max-age=007").max_age(), Some(secs(7)));
}

#[test]
fn rfc9111_5_2_2_4_qualified_and_unqualified_no_cache_combine_to_unqualified() {
    assert_eq!(
        cc("no-cache=\"a\", no-cache").no_cache(),
        Some(FieldScope::All)
    );
    assert_eq!(
        cc("no-cache, no-cache=\"a\"").no_cache(),
        Some(FieldScope::All)
    );
    let merged = cc("no-cache=\"a\", no-cache=\"b, a\"");
    let Some(FieldScope::Fields(names)) = merged.no_cache() else {
        panic!("qualified");
    };
    assert_eq!(names.len(), 2);
}

#[test]
fn rfc9111_5_2_1_2_max_stale_forms() {
    assert_eq!(cc("max-stale").max_stale(), Some(MaxStale::Any));
    assert_eq!(
        cc("max-stale=10").max_stale(),
        Some(MaxStale::AtMost(secs(10)))
    );
    assert_eq!(
        cc("max-stale=bad").max_stale(),
        Some(MaxStale::AtMost(secs(0)))
    );
}

#[test]
fn rfc9111_5_3_expires_forms() {
    let h = |v: &str| headers(&[("expires", v)]);
    assert!(matches!(
        expires(&h("Sun, 06 Nov 1994 08:49:37 GMT")),
        Some(Expires::At(_))
    ));
    assert!(matches!(
        expires(&h("Sunday, 06-Nov-94 08:49:37 GMT")),
        Some(Expires::At(_))
    ));
    assert!(matches!(
        expires(&h("Sun Nov  6 08:49:37 1994")),
        Some(Expires::At(_))
    ));
    assert_eq!(expires(&h("0")), Some(Expires::AlreadyExpired));
    assert_eq!(expires(&HeaderMap::new()), None);
}

#[test]
fn rfc9110_5_6_7_http_dates_must_be_gmt() {
    assert!(parse_http_date(&HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 PST")).is_none());
}

fn arbitrary_value() -> impl Strategy<Value = HeaderValue> {
    proptest::collection::vec(any::<u8>(), 0..64)
        .prop_filter_map("valid header value bytes", |bytes| {
            HeaderValue::from_bytes(&bytes).ok()
        })
}

const DIRECTIVES: &[&str] = &[
    "max-age",
    "s-maxage",
    "max-stale",
    "min-fresh",
    "stale-while-revalidate",
    "stale-if-error",
    "no-cache",
    "private",
    "no-store",
    "no-transform",
    "only-if-cached",
    "must-revalidate",
    "proxy-revalidate",
    "public",
    "immutable",
    "must-understand",
];

fn directive_list() -> impl Strategy<Value = String> {
    let directive = (
        proptest::sample::select(DIRECTIVES),
        proptest::option::of(prop_oneof![
            (0u64..10_000_000_000).prop_map(|n| n.to_string()),
            "[a-z-]{1,8}".prop_map(|s| format!("\"{s}, x-b\"")),
            "[a-z0-9]{0,4}",
        ]),
    )
        .prop_map(|(name, arg)| match arg {
            Some(arg) => format!("{name}={arg}"),
            None => name.to_owned(),
        });
    proptest::collection::vec(directive, 0..8).prop_map(|d| d.join(", "))
}

proptest! {
    #[test]
    fn cache_control_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = CacheControl::parse_bytes(&bytes).to_string();
    }

    #[test]
    fn cache_control_display_round_trips(input in directive_list()) {
        let parsed = cc(&input);
        let printed = parsed.to_string();
        prop_assert_eq!(cc(&printed), parsed);
    }

    #[test]
    fn cache_control_directive_names_are_case_insensitive(input in directive_list(), mask in any::<u64>()) {
        // Flip the case of letters in directive names only (arguments are case-sensitive).
        let mut in_arg = false;
        let mut bit = 0u32;
        let flipped: String = input
            .chars()
            .map(|c| {
                match c {
                    '=' => in_arg = true,
                    ',' => in_arg = false,
                    _ => {}
                }
                bit = (bit + 1) % 64;
                if !in_arg && mask >> bit & 1 == 1 { c.to_ascii_uppercase() } else { c }
            })
            .collect();
        prop_assert_eq!(cc(&flipped), cc(&input));
    }

    #[test]
    fn date_age_vary_and_etag_parsers_never_panic(value in arbitrary_value()) {
        let mut map = HeaderMap::new();
        for name in ["expires", "date", "last-modified", "age", "vary", "etag", "if-none-match", "accept", "pragma", "cache-control"] {
            map.insert(HeaderName::from_static(name), value.clone());
        }
        let _ = expires(&map);
        let _ = courier_cache::policy::dates::date(&map);
        let _ = courier_cache::policy::age::age_value(&map);
        let _ = Vary::from_headers(&map);
        let _ = secondary_key(&map, &map);
        let _ = courier_cache::policy::vary::matches(&map, &map, &map);
        let _ = courier_cache::policy::validation::if_none_match_matches(&map, &value);
        let _ = courier_cache::policy::validation::conditional_headers([&map]);
        let _ = courier_cache::policy::RequestDirectives::from_headers(&map);
    }

    #[test]
    fn policy_never_panics_on_arbitrary_response_headers(
        values in proptest::collection::vec(arbitrary_value(), 8),
        advance in 0u64..100_000_000,
    ) {
        use courier_cache::{Clock, MockClock};
        let names = ["cache-control", "expires", "date", "last-modified", "age", "vary", "etag", "content-length"];
        let mut response = res(200, &[]);
        for (name, value) in names.iter().zip(values) {
            response.headers.insert(HeaderName::from_static(name), value);
        }
        let clock = MockClock::default();
        for policy in [private(), shared()] {
            let request = get(&[]);
            let decision = policy.storability(&(&request).into(), &(&response).into(), clock.now(), clock.now());
            if let courier_cache::Storability::Store { response_headers, request_headers, cache_control, .. } = decision {
                let entry = Entry {
                    method: http::Method::GET,
                    status: response.status,
                    response_headers,
                    request_headers,
                    cache_control,
                    request_time: clock.now(),
                    response_time: clock.now(),
                };
                let later = clock.now() + secs(advance);
                let _ = lookup(&policy, &entry, &request, later);
                let not_modified = res(304, &[]);
                let _ = policy.after_revalidation(&(&request).into(), &entry.view(), &(&not_modified).into(), later, later);
            }
        }
    }
}
