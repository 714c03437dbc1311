//! The arguments of `#[courier::api(…)]`: `client = Name` and `crate = path`.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::{Ident, Path};

/// What `#[courier::api(…)]` was given.
#[derive(Default)]
pub(crate) struct MacroArgs {
    /// The generated struct's name; default: the trait's name followed by `Client`.
    pub(crate) client: Option<Ident>,
    /// Where courier is; default `::courier` (for a renamed dependency).
    pub(crate) krate: Option<Path>,
}

impl MacroArgs {
    pub(crate) fn parse(tokens: TokenStream) -> syn::Result<MacroArgs> {
        let mut args = MacroArgs::default();
        let parser = syn::meta::parser(|meta| args.parse_one(&meta));
        syn::parse::Parser::parse2(parser, tokens)?;
        Ok(args)
    }

    fn parse_one(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        if meta.path.is_ident("client") {
            self.client = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("crate") {
            self.krate = Some(meta.value()?.parse()?);
            Ok(())
        } else {
            Err(meta.error(
                "`#[courier::api]` takes `client = StructName` and `crate = path::to::courier`",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn both_arguments_are_optional() {
        let args = MacroArgs::parse(quote!()).unwrap();
        assert!(args.client.is_none() && args.krate.is_none());
        let args = MacroArgs::parse(quote!(client = Users, crate = ::my::courier)).unwrap();
        assert_eq!(args.client.unwrap(), "Users");
        assert!(args.krate.is_some());
        let error = MacroArgs::parse(quote!(name = "x")).err().unwrap();
        assert!(error.to_string().contains("takes `client = StructName`"));
    }
}
