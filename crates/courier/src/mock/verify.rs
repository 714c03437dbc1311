//! The reports a mock writes when something is off: unmet expectations, unmatched requests.

use std::fmt::Write;

use super::recorded::RecordedRequest;
use super::transport::Mounted;

/// The panic message for the mocks whose expectation is not met, or `None` when all are.
pub(super) fn unmet_expectations(
    mocks: &[Mounted],
    received: &[RecordedRequest],
) -> Option<String> {
    let failures: Vec<String> = mocks
        .iter()
        .filter_map(|mounted| {
            let expected = mounted.mock.expectation?;
            if expected.contains(mounted.answered) {
                return None;
            }
            Some(format!(
                "  - {}: expected {expected}, received {}",
                mounted.mock.label(mounted.number),
                mounted.answered
            ))
        })
        .collect();
    if failures.is_empty() {
        return None;
    }
    let mut message = format!(
        "MockTransport: {} of {} mounted mocks did not receive the requests they expected:\n",
        failures.len(),
        mocks.len()
    );
    for failure in &failures {
        message.push_str(failure);
        message.push('\n');
    }
    message.push_str(&received_list(received));
    Some(message)
}

fn received_list(received: &[RecordedRequest]) -> String {
    if received.is_empty() {
        return String::from("No request was received.");
    }
    let mut list = format!("Received requests ({}), in order:", received.len());
    for (index, request) in received.iter().enumerate() {
        // Writing to a String cannot fail.
        let _ = write!(list, "\n  {}. {}", index + 1, request.request_line());
    }
    list
}

/// The body of the 404 that answers a request no mock matched.
pub(super) fn unmatched_request(request: &RecordedRequest, mocks: &[Mounted]) -> String {
    let mut body = format!(
        "MockTransport: no mock matched this request:\n\n    {}\n\n",
        request.request_line()
    );
    if mocks.is_empty() {
        body.push_str(
            "No mock is mounted: add one with `Mock::given(…).respond_with(…).mount(&transport)`.\n",
        );
        return body;
    }
    body.push_str("Mounted mocks, tried in order:\n");
    for mounted in mocks {
        let _ = write!(body, "  - {}", mounted.mock.label(mounted.number));
        if mounted.mock.reply(mounted.answered).is_none() {
            let _ = write!(body, ": no answers left after {}", mounted.answered);
        }
        body.push('\n');
    }
    body
}
