//! # courier-macros
//!
//! `#[courier::api]`: typed API clients from an annotated trait, the Rust counterpart of
//! Retrofit's typed APIs. Use it through `courier` (`courier::api`), which re-exports it;
//! the generated code names `::courier`, so this crate alone is not enough.
//!
//! The macro's documentation, with a complete example, is on [`api`].
#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod api_trait;
mod endpoint;
mod expand;
mod header_line;
mod http_method;
mod macro_args;
mod parameter;
mod path_template;
mod response_kind;
#[cfg(test)]
mod snapshots;
mod type_shape;

use proc_macro::TokenStream;

#[doc = include_str!("../docs/api.md")]
#[proc_macro_attribute]
pub fn api(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_api(args.into(), item.into()).into()
}

/// The macro on `proc_macro2` tokens, so tests can run it.
fn expand_api(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let parsed = macro_args::MacroArgs::parse(args).and_then(|args| {
        let item = syn::parse2::<syn::ItemTrait>(item).map_err(|error| {
            syn::Error::new(
                error.span(),
                format!("`#[courier::api]` goes on a trait: {error}"),
            )
        })?;
        api_trait::ApiTrait::parse(args, item)
    });
    match parsed {
        Ok(api) => expand::expand(&api),
        Err(error) => error.to_compile_error(),
    }
}
