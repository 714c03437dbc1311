//! The method attributes: `#[get("/path")]`, `#[post(…)]`, `#[put(…)]`, `#[patch(…)]`,
//! `#[delete(…)]`, `#[head(…)]`.

use syn::{Attribute, LitStr};

/// An HTTP method an endpoint may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
}

impl HttpMethod {
    const ALL: [HttpMethod; 6] = [
        Self::Get,
        Self::Post,
        Self::Put,
        Self::Patch,
        Self::Delete,
        Self::Head,
    ];

    /// The attribute's name, which is also the method in lower case.
    pub(crate) fn attribute_name(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Put => "put",
            Self::Patch => "patch",
            Self::Delete => "delete",
            Self::Head => "head",
        }
    }

    /// The name of the `http::Method` constant.
    pub(crate) fn constant(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Head => "HEAD",
        }
    }

    /// The method an attribute names, if it is one of the method attributes.
    pub(crate) fn of_attribute(attribute: &Attribute) -> Option<HttpMethod> {
        Self::ALL
            .into_iter()
            .find(|method| attribute.path().is_ident(method.attribute_name()))
    }

    /// Reads the path template literal of `#[get("/users/{id}")]`.
    pub(crate) fn path_argument(self, attribute: &Attribute) -> syn::Result<LitStr> {
        let name = self.attribute_name();
        let usage = format!(r#"write the path as a string: `#[{name}("/users/{{id}}")]`"#);
        let syn::Meta::List(list) = &attribute.meta else {
            return Err(syn::Error::new_spanned(
                attribute,
                format!("`#[{name}]` needs a path; {usage}"),
            ));
        };
        list.parse_args_with(|input: syn::parse::ParseStream<'_>| {
            let path: LitStr = input.parse()?;
            if !input.is_empty() {
                return Err(input.error(format!("`#[{name}]` takes one path")));
            }
            Ok(path)
        })
        .map_err(|error| syn::Error::new(error.span(), format!("{error}: {usage}")))
    }
}
