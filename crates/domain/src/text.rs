//! Text helpers shared by validation, search and import.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds text for comparison and search: decomposes accents away, lowercases, and keeps letters
/// and digits with single spaces between words. `"Ça  Marche!"` becomes `"ca marche"`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// A URL-safe slug: folded text with hyphens, at most 80 characters, never empty.
pub fn slugify(text: &str) -> String {
    let folded = fold(text);
    let mut slug: String = folded
        .chars()
        .map(|c| if c == ' ' { '-' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    slug.truncate(80);
    let slug = slug.trim_matches('-').to_owned();
    if slug.is_empty() {
        "record".to_owned()
    } else {
        slug
    }
}

/// Empty or blank strings become `None`, others are trimmed.
pub fn non_blank(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_case_accents_and_punctuation() {
        assert_eq!(fold("  Ça  Marche!"), "ca marche");
        assert_eq!(fold("Zürich–Genève"), "zurich geneve");
        assert_eq!(fold("#3DPM (#3DPrinting)"), "3dpm 3dprinting");
    }

    #[test]
    fn slugs_are_ascii_and_never_empty() {
        assert_eq!(slugify("Fab Lab Barcelona"), "fab-lab-barcelona");
        assert_eq!(
            slugify("Économie Sociale & Solidaire"),
            "economie-sociale-solidaire"
        );
        assert_eq!(slugify("!!!"), "record");
        assert_eq!(slugify("東京"), "record");
    }
}
