//! Arbitrary bytes into every header parser of the cache policy: `Cache-Control`, `Expires`,
//! `Date`, `Age`, `Vary`, entity tags; then through storing and looking up an entry. None may
//! panic.
#![no_main]

use std::time::{Duration, SystemTime};

use courier_cache::policy::{
    CacheControl, Policy, PolicyConfig, RequestDirectives, Storability, StoredExchange, age, dates,
    validation, vary,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "cache-control",
    "expires",
    "date",
    "last-modified",
    "age",
    "vary",
    "etag",
    "if-none-match",
    "if-modified-since",
    "pragma",
];

fuzz_target!(|data: &[u8]| {
    let cc = CacheControl::parse_bytes(data);
    let _ = cc.to_string();

    // Split the input into one value per header so fields differ from each other.
    let mut headers = HeaderMap::new();
    for (name, chunk) in NAMES.iter().zip(data.split(|&b| b == b'\n').cycle()) {
        if let Ok(value) = HeaderValue::from_bytes(chunk) {
            headers.append(HeaderName::from_static(name), value);
        }
    }
    let _ = dates::expires(&headers);
    let _ = dates::date(&headers);
    let _ = dates::last_modified(&headers);
    let _ = age::age_value(&headers);
    let _ = vary::Vary::from_headers(&headers);
    let _ = vary::secondary_key(&headers, &headers);
    let _ = RequestDirectives::from_headers(&headers);
    let _ = validation::conditional_headers([&headers]);
    let _ = validation::evaluate_conditional(&headers, &headers, SystemTime::UNIX_EPOCH);

    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    for shared in [false, true] {
        let mut config = PolicyConfig::default();
        config.shared = shared;
        let policy = Policy::new(config);
        let Ok(request) = http::Request::get("https://example.com/").body(()) else {
            return;
        };
        let (mut request, ()) = request.into_parts();
        request.headers = headers.clone();
        let Ok(response) = http::Response::builder().body(()) else {
            return;
        };
        let (mut response, ()) = response.into_parts();
        response.headers = headers.clone();
        if let Storability::Store {
            response_headers,
            request_headers,
            cache_control,
            ..
        } = policy.storability(&(&request).into(), &(&response).into(), t0, t0)
        {
            let stored = StoredExchange {
                method: &Method::GET,
                status: response.status,
                response_headers: &response_headers,
                request_headers: &request_headers,
                cache_control: &cache_control,
                request_time: t0,
                response_time: t0,
            };
            let _ = policy.lookup(&(&request).into(), &stored, t0 + Duration::from_secs(3600));
            let _ =
                policy.after_revalidation(&(&request).into(), &stored, &(&response).into(), t0, t0);
        }
    }
});
