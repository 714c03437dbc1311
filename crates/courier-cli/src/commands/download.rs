//! `courier download URL -o FILE`: a progress bar (bytes, rate, ETA), resume, atomic rename.

use std::process::ExitCode;

use courier::Client;
use indicatif::{ProgressBar, ProgressStyle};

use super::{interrupt_token, parse_header};
use crate::cli::DownloadArgs;

pub(crate) async fn run(args: DownloadArgs) -> anyhow::Result<ExitCode> {
    let client = Client::builder().build()?;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )?
        .progress_chars("=> "),
    );
    let mut download = client
        .download(&args.url, &args.output)
        .resume(!args.no_resume)
        .cancel_token(&interrupt_token());
    for header in &args.headers {
        let (name, value) = parse_header(header)?;
        download = download.header(name, value);
    }
    let progress_bar = bar.clone();
    let report = download
        .on_progress(move |progress| {
            if let Some(total) = progress.total {
                progress_bar.set_length(total);
            }
            progress_bar.set_position(progress.transferred);
        })
        .send()
        .await;
    bar.finish_and_clear();
    let report = report?;
    eprintln!(
        "saved {} ({} bytes{})",
        report.path.display(),
        report.total_bytes,
        if report.resumed { ", resumed" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}
