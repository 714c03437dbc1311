//! What a type looks like on the page. A macro sees tokens, not types: `Option<T>`,
//! `CancelToken` or `Bytes` are recognised by the last segment of their path, so an alias is
//! not recognised (the docs say so).

use syn::{GenericArgument, PathArguments, Type, TypePath};

/// The type under any `&`, `&mut` and parentheses.
pub(crate) fn without_references(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Reference(reference) => ty = &reference.elem,
            Type::Paren(paren) => ty = &paren.elem,
            Type::Group(group) => ty = &group.elem,
            _ => return ty,
        }
    }
}

/// The path of a plain path type (`a::b::C<D>`), without `<T as Trait>::` forms.
fn plain_path(ty: &Type) -> Option<&syn::Path> {
    match ty {
        Type::Path(TypePath { qself: None, path }) => Some(path),
        Type::Group(group) => plain_path(&group.elem),
        Type::Paren(paren) => plain_path(&paren.elem),
        _ => None,
    }
}

/// Whether the type's path ends in `name` with no generic arguments (`Bytes`, `bytes::Bytes`).
pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    plain_path(ty)
        .and_then(|path| path.segments.last())
        .is_some_and(|last| last.ident == name && last.arguments.is_none())
}

/// `T` when the type is `Name<T, …>` (its path ends in `name` with angle-bracketed arguments
/// whose first is a type).
pub(crate) fn first_type_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let last = plain_path(ty)?.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// `T` when the type is `Option<T>`.
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    first_type_argument(ty, "Option")
}

/// Whether the type is `()`.
pub(crate) fn is_unit(ty: &Type) -> bool {
    match ty {
        Type::Tuple(tuple) => tuple.elems.is_empty(),
        Type::Paren(paren) => is_unit(&paren.elem),
        Type::Group(group) => is_unit(&group.elem),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> Type {
        syn::parse_str(text).unwrap()
    }

    #[test]
    fn names_are_read_from_the_last_segment() {
        assert!(is_named(&ty("Bytes"), "Bytes"));
        assert!(is_named(&ty("::bytes::Bytes"), "Bytes"));
        assert!(!is_named(&ty("Bytes<u8>"), "Bytes"));
        assert!(!is_named(&ty("<X as Y>::Bytes"), "Bytes"));
        assert!(!is_named(&ty("MyBytes"), "Bytes"));
    }

    #[test]
    fn options_and_results_give_their_first_type() {
        assert_eq!(option_inner(&ty("Option<u8>")), Some(&ty("u8")));
        assert_eq!(
            option_inner(&ty("std::option::Option<&str>")),
            Some(&ty("&str"))
        );
        assert_eq!(option_inner(&ty("Vec<u8>")), None);
        assert_eq!(
            first_type_argument(&ty("Result<'static, User, E>"), "Result"),
            Some(&ty("User"))
        );
    }

    #[test]
    fn references_are_looked_through() {
        assert_eq!(without_references(&ty("&&mut (X)")), &ty("X"));
        assert!(is_unit(&ty("()")));
        assert!(!is_unit(&ty("(u8,)")));
    }
}
