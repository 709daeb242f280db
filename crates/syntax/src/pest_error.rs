//! Pest's syntax errors as located diagnostics: grammar rules by the names users know, a
//! missing part shown where it goes (the end of the previous line when the unexpected token
//! starts a line), and the logical operators the language lacks explained.

use super::error::ParseError;
use super::Rule;
use crate::diagnostics::Diag;
use crate::source::{SourceId, Span};

/// A grammar rule's name as users know it.
fn rule_name(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::EOI => "end of file",
        Rule::import => "`import`",
        Rule::definition | Rule::def_kw | Rule::kw_let | Rule::kw_def | Rule::kw_op => {
            "a definition (`let`, `def`, `op`)"
        }
        Rule::pipeline => "`pipeline`",
        Rule::module_path => "a module path",
        Rule::ident | Rule::dotted => "a name",
        Rule::params | Rule::param => "parameters",
        Rule::type_expr | Rule::type_name => "a type",
        Rule::optional_mark => "`?`",
        Rule::pipeline_body | Rule::block => "`{`",
        Rule::stage => "`stage`",
        Rule::after => "`after`",
        Rule::phase => "`phase`",
        Rule::when_clause => "`when`",
        Rule::assign => "a field (`name = value`)",
        Rule::expr | Rule::postfixed | Rule::neg => "an expression",
        Rule::le
        | Rule::ge
        | Rule::lt
        | Rule::gt
        | Rule::eq
        | Rule::ne
        | Rule::add
        | Rule::sub
        | Rule::mul
        | Rule::div
        | Rule::of => "an operator",
        Rule::member => "`.`",
        Rule::colon => "`:`",
        Rule::call_args | Rule::args => "`(`",
        Rule::arg | Rule::named_arg => "an argument",
        Rule::list => "a list",
        Rule::paren => "`(`",
        Rule::percent => "a percentage",
        Rule::float => "a number",
        Rule::int => "an integer",
        Rule::string | Rule::string_inner => "a string",
        Rule::kw_true | Rule::kw_false => "`true` or `false`",
        Rule::kw_none => "`none`",
        _ => return None,
    })
}

/// `when a and b`: the language has no `and`, `or`, `&&`, `||`, so such a word where an
/// operator could stand is reported with what to do instead.
fn logical_operator(src: SourceId, text: &str, pos: usize) -> Option<Diag> {
    let rest = &text[pos..];
    let op = ["and", "or", "&&", "||"].into_iter().find(|op| {
        rest.strip_prefix(op).is_some_and(|after| {
            op.starts_with('&')
                || op.starts_with('|')
                || !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        })
    })?;
    let span = Span::new(src, pos, pos + op.len());
    Some(
        Diag::error(
            ParseError::LogicalOperator { op: op.into() },
            span,
            "not an operator",
        )
        .with_help(
            "a phase ends on one condition; to wait for two, end one phase on the first and \
                 start the next on the second (`phase a { max_epochs = 50, when loss < 1.0 }` \
                 then `phase b { max_epochs = 50, when arch_stable(epochs = 5) }`)",
        ),
    )
}

/// A pest error as a located diagnostic.
pub fn convert_pest_error(src: SourceId, text: &str, e: pest::error::Error<Rule>) -> Diag {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let pos = pos.min(text.len());
    let end = text[pos..]
        .chars()
        .next()
        .map(|c| pos + c.len_utf8())
        .unwrap_or(pos);
    if let Some(d) = logical_operator(src, text, pos) {
        return d;
    }
    let span = Span::new(src, pos, end);
    let found = text[pos..].chars().next();
    let label = match found {
        None => "the file ends here".to_string(),
        Some(c) if c.is_control() || c == '\u{fffd}' => {
            format!("unexpected character U+{:04X}", c as u32)
        }
        Some(c) => format!("unexpected `{c}`"),
    };
    let expected = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
            names.sort_unstable();
            names.dedup();
            match names.len() {
                0 => "something else".to_string(),
                1 => names[0].to_string(),
                _ => {
                    let last = names.pop().unwrap_or_default();
                    format!("{} or {last}", names.join(", "))
                }
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    if let Some(after) = end_of_previous_line(text, pos) {
        // The first token of a line is unexpected: what is missing belongs at the end of
        // the line before (a pipeline made from a recipe without its `{}`), so the error is
        // shown there, where it is fixed, rather than on the innocent next line.
        let at = Span::new(src, after - 1, after);
        let word: String = text[pos..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let line = text[..pos].matches('\n').count() + 1;
        let what = match found {
            None => format!("expected {expected} after this"),
            Some(_) if !word.is_empty() => {
                format!("expected {expected} after this, not `{word}` (line {line})")
            }
            Some(c) => format!("expected {expected} after this, not `{c}` (line {line})"),
        };
        let help = if expected.contains("`{`") {
            "a pipeline defined from another (`pipeline p = sswp.recipe(...)`) needs a body, \
             even an empty one: add `{}`"
        } else {
            "see grammar/README.md for the syntax of each construct"
        };
        return Diag::error(ParseError::Unexpected { expected }, at, what).with_help(help);
    }
    Diag::error(ParseError::Unexpected { expected }, span, label)
        .with_help("see grammar/README.md for the syntax of each construct")
}

/// When the character at `pos` is the first code on its line, the byte offset just after
/// the last code character of the lines before it (skipping blank lines and `//`
/// comments); `None` when code precedes it on its own line or nothing precedes it.
fn end_of_previous_line(text: &str, pos: usize) -> Option<usize> {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..pos].trim().is_empty() {
        return None;
    }
    let mut end = line_start;
    while end > 0 {
        let start = text[..end - 1].rfind('\n').map_or(0, |i| i + 1);
        let code = code_part(&text[start..end - 1]).trim_end();
        if !code.trim_start().is_empty() {
            return Some(start + code.len());
        }
        end = start;
    }
    None
}

/// `line` without its `//` comment (a `//` inside a string does not start one).
fn code_part(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '/' if !in_string && line[i..].starts_with("//") => return &line[..i],
            _ => {}
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::{code_part, end_of_previous_line};

    #[test]
    fn a_comment_ends_the_code_of_a_line_but_not_inside_a_string() {
        assert_eq!(code_part("x = 1 // one"), "x = 1 ");
        assert_eq!(code_part(r#"d = "http://x" // url"#), r#"d = "http://x" "#);
        assert_eq!(code_part(r#"d = "a\"//b""#), r#"d = "a\"//b""#);
        assert_eq!(code_part("// only"), "");
    }

    #[test]
    fn the_previous_line_skips_blank_lines_and_comments() {
        let text = "pipeline p = f(1) // c\n\n  // more\n  pipeline q";
        let pos = text.rfind("pipeline").unwrap();
        assert_eq!(
            end_of_previous_line(text, pos),
            Some("pipeline p = f(1)".len())
        );
        // code before the token on its own line: not moved
        let text = "a = 1\nb c";
        assert_eq!(end_of_previous_line(text, text.len() - 1), None);
        // nothing before it
        assert_eq!(end_of_previous_line("\n\n  x", 4), None);
    }
}
