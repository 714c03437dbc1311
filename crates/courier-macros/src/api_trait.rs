//! The annotated trait as a whole: its endpoints, and what the generated items are called.

use quote::format_ident;
use syn::{Attribute, Ident, ItemTrait, Path, TraitItem, Visibility};

use crate::endpoint::TraitMethod;
use crate::macro_args::MacroArgs;
use crate::parameter::combine;

/// A trait under `#[courier::api]`, read and checked.
pub(crate) struct ApiTrait {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    /// The user's `trait` keyword: its span makes lints on the trait point at the trait.
    pub(crate) trait_token: syn::Token![trait],
    pub(crate) ident: Ident,
    /// The generated struct.
    pub(crate) client: Ident,
    /// The path to courier in the generated code.
    pub(crate) krate: Path,
    /// The methods, in the trait's order.
    pub(crate) methods: Vec<TraitMethod>,
}

/// Names the generated struct defines itself, which an endpoint cannot take.
const RESERVED: [&str; 2] = ["new", "client"];

impl ApiTrait {
    pub(crate) fn parse(args: MacroArgs, item: ItemTrait) -> syn::Result<ApiTrait> {
        let mut errors = Vec::new();
        let name = &item.ident;
        if let Some(token) = &item.unsafety {
            errors.push(syn::Error::new(
                token.span,
                "an API trait cannot be `unsafe`",
            ));
        }
        if let Some(token) = &item.auto_token {
            errors.push(syn::Error::new(token.span, "an API trait cannot be `auto`"));
        }
        if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
            errors.push(syn::Error::new_spanned(
                &item.generics,
                format!("`{name}` cannot be generic: the generated client is one concrete type"),
            ));
        }
        if let Some(colon) = &item.colon_token {
            let supertraits = &item.supertraits;
            errors.push(syn::Error::new_spanned(
                quote::quote!(#colon #supertraits),
                format!("`{name}` cannot have supertraits: the generated client implements only `{name}`"),
            ));
        }
        let mut methods = Vec::new();
        for trait_item in item.items {
            match trait_item {
                TraitItem::Fn(function) => {
                    let ident = function.sig.ident.clone();
                    match TraitMethod::parse(function) {
                        Ok(method) => {
                            if matches!(method, TraitMethod::Endpoint(_))
                                && RESERVED.iter().any(|reserved| ident == reserved)
                            {
                                errors.push(syn::Error::new(
                                    ident.span(),
                                    format!("an endpoint cannot be called `{ident}`: the generated client has its own `{ident}`"),
                                ));
                            }
                            methods.push(method);
                        }
                        Err(error) => errors.push(error),
                    }
                }
                other => errors.push(syn::Error::new_spanned(
                    other,
                    "an API trait holds only methods: `#[get(\"/path\")] async fn name(&self, …) -> courier::Result<T>;`",
                )),
            }
        }
        if let Some(error) = combine(errors) {
            return Err(error);
        }
        Ok(ApiTrait {
            attrs: item.attrs,
            vis: item.vis,
            trait_token: item.trait_token,
            client: args
                .client
                .unwrap_or_else(|| format_ident!("{}Client", item.ident)),
            ident: item.ident,
            krate: args.krate.unwrap_or_else(|| syn::parse_quote!(::courier)),
            methods,
        })
    }

    /// The trait's `cfg` attributes, which the generated items share.
    pub(crate) fn cfg_attrs(&self) -> impl Iterator<Item = &Attribute> {
        cfg_attrs(&self.attrs)
    }
}

/// The `#[cfg(…)]` attributes among `attrs`. (`cfg_attr` may carry anything, so it stays
/// where the user wrote it.)
pub(crate) fn cfg_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs
        .iter()
        .filter(|attribute| attribute.path().is_ident("cfg"))
}
