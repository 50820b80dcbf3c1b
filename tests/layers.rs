//! The repository's shape: the top-level modules of `src/` form no cycle (a module
//! that uses another is never used by it, directly or through others), and every
//! file of the npm package's templates stays small.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Uses between top-level modules that are known and being removed. Each must still
/// exist (so the list shrinks as they go) and is left out of the cycle search.
const KNOWN_EXCEPTIONS: &[(&str, &str)] = &[];

/// The largest file allowed under `pkg-templates/`, in lines (exclusive).
const TEMPLATE_LINE_LIMIT: usize = 400;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir`, recursively, in a stable order.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a file of `src/` belongs to (`None` for the crate root).
fn module_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_owned())
}

fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// `text` without its line comments (doc links are not uses).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules named by `crate::` paths in the code of `text`, including
/// each item of a group (`use crate::{a::X, b};`).
fn uses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let text = code(text);
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphabetic() || c == '_') => {
                        out.insert(ident(&group[i..]).to_owned());
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest).to_owned());
        }
    }
    out
}

/// Which top-level module uses which, from `(path under src/, text)` pairs.
fn graph<'a>(sources: impl IntoIterator<Item = (&'a Path, &'a str)>) -> Graph {
    let mut g = Graph::new();
    for (path, text) in sources {
        let Some(module) = module_of(path) else {
            continue;
        };
        let used: Vec<String> = uses(text)
            .into_iter()
            .filter(|u| *u != module && u != "self")
            .collect();
        g.entry(module).or_default().extend(used);
    }
    g
}

/// A cycle of `g`, as the modules along it with the first repeated at the end.
fn cycle(g: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        g: &Graph,
        node: &str,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|n| n == node).unwrap();
                let mut found = path[start..].to_vec();
                found.push(node.to_owned());
                return Some(found);
            }
            None => {}
        }
        marks.insert(node.to_owned(), Mark::Open);
        path.push(node.to_owned());
        for next in g.get(node).into_iter().flatten() {
            if let Some(found) = visit(g, next, marks, path) {
                return Some(found);
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    g.keys()
        .find_map(|node| visit(g, node, &mut marks, &mut Vec::new()))
}

#[test]
fn the_top_level_modules_of_src_form_no_cycle() {
    let src = root().join("src");
    let texts: Vec<(PathBuf, String)> = files(&src)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            (p.strip_prefix(&src).unwrap().to_path_buf(), text)
        })
        .collect();
    let mut g = graph(texts.iter().map(|(p, t)| (p.as_path(), t.as_str())));
    assert!(g.len() > 10, "the scan found too few modules: {g:?}");
    for (from, to) in KNOWN_EXCEPTIONS {
        let edge = g.get_mut(*from).map(|uses| uses.remove(*to));
        assert_eq!(
            edge,
            Some(true),
            "`{from}` no longer uses `{to}`: remove the pair from KNOWN_EXCEPTIONS"
        );
    }
    if let Some(found) = cycle(&g) {
        panic!(
            "the modules of src/ form a cycle: {} (each uses the next through `crate::`)",
            found.join(" → ")
        );
    }
}

#[test]
fn the_cycle_search_finds_a_cycle_through_a_use_group() {
    let a = "use crate::{b::B, c};\nfn f() -> crate::c::C { todo!() }";
    let b = "use crate::a::A; // a comment: crate::c\n/// [`crate::c`]";
    let c = "pub struct C;";
    let g = graph([
        (Path::new("a.rs"), a),
        (Path::new("b/mod.rs"), b),
        (Path::new("b/self_use.rs"), "use crate::b::x; use self::y;"),
        (Path::new("c.rs"), c),
        (Path::new("lib.rs"), "pub mod a; use crate::b;"),
    ]);
    assert_eq!(g["a"], BTreeSet::from(["b".into(), "c".into()]));
    assert_eq!(g["b"], BTreeSet::from(["a".into()]));
    assert_eq!(
        cycle(&g),
        Some(vec!["a".to_owned(), "b".to_owned(), "a".to_owned()])
    );
    let acyclic = graph([(Path::new("a.rs"), a), (Path::new("c/x.rs"), c)]);
    assert_eq!(cycle(&acyclic), None);
}

#[test]
fn every_file_under_pkg_templates_is_small() {
    let dir = root().join("pkg-templates");
    let large: Vec<String> = files(&dir)
        .into_iter()
        .filter_map(|p| {
            let lines = fs::read_to_string(&p).ok()?.lines().count();
            (lines >= TEMPLATE_LINE_LIMIT).then(|| {
                format!(
                    "{} ({lines} lines)",
                    p.strip_prefix(&dir).unwrap().display()
                )
            })
        })
        .collect();
    assert!(
        large.is_empty(),
        "files under pkg-templates/ must stay under {TEMPLATE_LINE_LIMIT} lines; split by concern: {large:?}"
    );
}
