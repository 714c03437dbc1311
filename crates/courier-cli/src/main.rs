//! `courier`: HTTP requests through courier's client and RFC 9111 cache, from a shell.
//!
//! Run `courier --help`; `courier demo` walks through the features against a server it
//! starts itself (no network needed).

mod cli;
mod commands;
mod failure;
mod store_location;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::from(failure::INTERNAL);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Get(args) => commands::request::run(http::Method::GET, args).await,
            Command::Post(args) => commands::request::run(http::Method::POST, args).await,
            Command::Put(args) => commands::request::run(http::Method::PUT, args).await,
            Command::Delete(args) => commands::request::run(http::Method::DELETE, args).await,
            Command::Download(args) => commands::download::run(args).await,
            Command::Cache(args) => commands::cache::run(args).await,
            Command::Proxy(args) => commands::proxy::run(args).await,
            Command::Demo => commands::demo::run().await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => failure::report(&error),
    }
}
