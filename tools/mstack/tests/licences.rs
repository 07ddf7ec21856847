// SPDX-License-Identifier: GPL-2.0

//! A `cargo deny`-style licence check, without installing cargo-deny: every
//! crate mstack is built from (its normal and build dependencies, for this
//! Linux target, as the committed Cargo.lock resolves them) must offer a
//! licence from the allow-list, that is, one under which it can be part of a
//! GPL-2.0-only program. Plain Apache-2.0 is not on the list (the FSF counts
//! it incompatible with GPLv2); a crate dual-licensed "MIT OR Apache-2.0"
//! passes through MIT.

use serde_json::Value;
use std::{collections::BTreeMap, process::Command};

/// SPDX identifiers a dependency of a GPL-2.0-only program may use.
const ALLOWED: &[&str] = &[
    "MIT",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unlicense",
    "Unicode-3.0",
    "GPL-2.0-only",
    "GPL-2.0",
    "LGPL-2.1",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
];

/// Exceptions that make a licence usable in GPLv2 code.
const ALLOWED_WITH: &[(&str, &str)] = &[("Apache-2.0", "LLVM-exception")];

/// Evaluates an SPDX expression (OR, AND, WITH, parentheses): can the
/// licensee comply with it using allowed licences only? A malformed
/// expression is not allowed.
fn allowed(expr: &str) -> bool {
    let spaced = expr.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    or(&tokens, &mut pos) == Some(true) && pos == tokens.len()
}

/// `and (OR and)*`; None if malformed.
fn or(t: &[&str], pos: &mut usize) -> Option<bool> {
    let mut ok = and(t, pos)?;
    while t.get(*pos) == Some(&"OR") {
        *pos += 1;
        ok |= and(t, pos)?;
    }
    Some(ok)
}

/// `term (AND term)*`.
fn and(t: &[&str], pos: &mut usize) -> Option<bool> {
    let mut ok = term(t, pos)?;
    while t.get(*pos) == Some(&"AND") {
        *pos += 1;
        ok &= term(t, pos)?;
    }
    Some(ok)
}

/// `( or )`, `ID WITH EXCEPTION` or `ID`.
fn term(t: &[&str], pos: &mut usize) -> Option<bool> {
    let tok = *t.get(*pos)?;
    *pos += 1;
    if tok == "(" {
        let ok = or(t, pos)?;
        (t.get(*pos) == Some(&")")).then_some(())?;
        *pos += 1;
        return Some(ok);
    }
    if ["OR", "AND", "WITH", ")"].contains(&tok) {
        return None;
    }
    if t.get(*pos) == Some(&"WITH") {
        let exception = *t.get(*pos + 1)?;
        *pos += 2;
        return Some(ALLOWED.contains(&tok) || ALLOWED_WITH.contains(&(tok, exception)));
    }
    Some(ALLOWED.contains(&tok))
}

#[test]
fn spdx_expressions() {
    assert!(allowed("MIT OR Apache-2.0"));
    assert!(allowed("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(allowed(
        "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT"
    ));
    assert!(allowed("Apache-2.0 WITH LLVM-exception"));
    assert!(!allowed("Apache-2.0"));
    assert!(!allowed("MIT AND Apache-2.0"));
    assert!(!allowed("(MIT OR Apache-2.0) AND MPL-2.0"));
    assert!(!allowed("GPL-3.0-only"));
    assert!(!allowed("MIT OR"));
    assert!(!allowed("(MIT"));
    assert!(!allowed(""));
    assert!(!allowed("MIT AND OR ISC"));
    assert!(!allowed("Apache-2.0 WITH"));
}

#[test]
fn dependency_licences_are_allowed() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let platform = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
            manifest,
        ])
        .args(["--filter-platform", &platform])
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages: BTreeMap<&str, &Value> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let root = packages
        .values()
        .find(|p| p["name"] == "mstack")
        .map(|p| p["id"].as_str().unwrap())
        .unwrap();
    // mstack's closure over normal and build dependencies (not dev).
    let mut todo = vec![root];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let kinds = dep["dep_kinds"].as_array().unwrap();
            if kinds.iter().any(|k| k["kind"] != "dev") {
                todo.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    let mut bad = Vec::new();
    for id in &seen {
        let p = packages[id];
        let licence = p["license"].as_str().unwrap_or("");
        if !allowed(licence) {
            bad.push(format!("{} {}: '{licence}'", p["name"], p["version"]));
        }
    }
    // The closure holds at least clap, serde, rustix, object and netlink.
    assert!(seen.len() > 10, "{seen:?}");
    assert!(bad.is_empty(), "licences not allowed: {bad:#?}");
}
