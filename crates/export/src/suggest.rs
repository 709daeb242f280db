//! Did-you-mean for a stage name (the project's rule: edit distance at most 1 for names of
//! up to 2 characters, else at most 2); when nothing is close, the candidates are listed.

/// `did you mean `x`?`, or the list of candidates.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let all: Vec<&str> = candidates.into_iter().collect();
    let limit = if name.chars().count() <= 2 { 1 } else { 2 };
    let close = all
        .iter()
        .map(|c| (strsim::levenshtein(name, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min();
    if let Some((_, c)) = close {
        return format!("did you mean `{c}`?");
    }
    if all.is_empty() {
        return "the run has no stages".into();
    }
    let shown: Vec<String> = all.iter().map(|c| format!("`{c}`")).collect();
    format!("the stages of this run are {}", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn close_names_are_suggested_and_far_ones_listed() {
        let stages = ["search", "derive", "tune"];
        assert_eq!(suggest("tuen", stages), "did you mean `tune`?");
        assert_eq!(
            suggest("probe", stages),
            "the stages of this run are `search`, `derive`, `tune`"
        );
    }
}
