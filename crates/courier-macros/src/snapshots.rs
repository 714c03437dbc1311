//! Expansion snapshots: each `tests/expand/NAME.rs` holds traits under `#[courier::api]`;
//! their expansion, pretty-printed, must equal `tests/expand/NAME.expanded.rs`.
//!
//! After an intended change to the generated code, rewrite the snapshots with
//! `COURIER_MACROS_BLESS=1 cargo test -p courier-macros --lib snapshots` and review the diff.
//! (The trybuild `pass/` cases check that the same kind of code compiles.)

use std::fs;
use std::path::{Path, PathBuf};

use quote::ToTokens;

fn expand_file(source: &str) -> String {
    let file: syn::File = syn::parse_str(source).unwrap();
    let mut items = Vec::new();
    for item in file.items {
        let syn::Item::Trait(mut item) = item else {
            items.push(item);
            continue;
        };
        let position = item
            .attrs
            .iter()
            .position(|attribute| {
                attribute
                    .path()
                    .segments
                    .last()
                    .is_some_and(|last| last.ident == "api")
            })
            .unwrap();
        let attribute = item.attrs.remove(position);
        let args = match attribute.meta {
            syn::Meta::List(list) => list.tokens,
            _ => proc_macro2::TokenStream::new(),
        };
        let expanded = crate::expand_api(args, item.into_token_stream());
        let expanded: syn::File = syn::parse2(expanded).unwrap();
        items.extend(expanded.items);
    }
    prettyplease::unparse(&syn::File {
        shebang: None,
        attrs: file.attrs,
        items,
    })
}

fn cases() -> Vec<PathBuf> {
    // Read when the test runs (cargo sets it), not baked in when it was compiled: a test
    // binary reused from another checkout of the same sources would look there.
    let manifest_dir =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let directory = Path::new(&manifest_dir).join("tests/expand");
    let mut cases: Vec<PathBuf> = fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension().is_some_and(|extension| extension == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", directory.display());
    cases
}

#[test]
fn expansions_match_their_snapshots() {
    let bless = std::env::var_os("COURIER_MACROS_BLESS").is_some();
    let mut mismatches = Vec::new();
    for case in cases() {
        let expanded = expand_file(&fs::read_to_string(&case).unwrap());
        let snapshot = case.with_extension("expanded.rs");
        if bless {
            fs::write(&snapshot, &expanded).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&snapshot).unwrap_or_default();
        if expected != expanded {
            mismatches.push(format!(
                "{} differs from its expansion:\n{expanded}",
                snapshot.display()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{}\n(COURIER_MACROS_BLESS=1 rewrites the snapshots)",
        mismatches.join("\n")
    );
}
