//! Text helpers shared by every reader: "did you mean" suggestions and truncation
//! of quoted input in messages.

/// The known name closest to `written`, if it is close enough to be a likely typo:
/// equal once ASCII case, `_` and `-` are ignored, or within a small edit distance.
/// (Known names are ASCII; folding only ASCII keeps Unicode case tables out of the
/// WebAssembly module.)
pub fn suggest<'k>(written: &str, known: &[&'k str]) -> Option<&'k str> {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let folded = fold(written);
    if let Some(k) = known.iter().find(|k| fold(k) == folded) {
        return Some(k);
    }
    let limit = (written.chars().count() / 3).clamp(1, 3);
    known
        .iter()
        .map(|k| (edit_distance(&folded, &fold(k)), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d: Vec<usize> = (0..(a.len() + 1) * width)
        .map(|i| if i < width { i } else { 0 })
        .collect();
    let at = |i: usize, j: usize| i * width + j;
    for i in 1..=a.len() {
        if let Some(cell) = d.get_mut(at(i, 0)) {
            *cell = i;
        }
        for j in 1..=b.len() {
            let same = a.get(i - 1) == b.get(j - 1);
            let get = |i, j| d.get(at(i, j)).copied().unwrap_or(usize::MAX - 1);
            let mut best = (get(i - 1, j) + 1)
                .min(get(i, j - 1) + 1)
                .min(get(i - 1, j - 1) + usize::from(!same));
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                best = best.min(get(i - 2, j - 2) + 1);
            }
            if let Some(cell) = d.get_mut(at(i, j)) {
                *cell = best;
            }
        }
    }
    d.last().copied().unwrap_or(0)
}

/// `text` cut to at most `max_chars` characters, with `…` where it was cut.
pub fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text)),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_suggestions() {
        let known = ["amount_max", "amount_min", "time_range", "rateLimit"];
        assert_eq!(suggest("amount_mx", &known), Some("amount_max"));
        assert_eq!(suggest("amuont_min", &known), Some("amount_min"));
        assert_eq!(suggest("rate_limit", &known), Some("rateLimit"));
        assert_eq!(suggest("TimeRange", &known), Some("time_range"));
        assert_eq!(suggest("colour", &known), None);
        assert_eq!(suggest("rulez", &["rules", "name"]), Some("rules"));
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn truncation_counts_characters_not_bytes() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
