//! Where the cursor is, for completion, read from the text before it alone: the text being
//! typed rarely parses, so this does not use the syntax tree.
//!
//! Contract: [`detect`] scans the text up to the cursor once (comments and strings skipped
//! as the grammar skips them) and names the context: after `stage NAME:` (a stage kind),
//! after `name.` (a member), at a field's name inside `kind { ... }` or `ctor(...)` (with the
//! fields already given before the cursor), at a value (with the field it is for, when
//! there is one), in a `when` condition (a metric), inside a string (an op or stage name),
//! after `after` (a stage), at the start of a top-level line (a keyword). The word being
//! typed, which the completion replaces, starts at [`Detected::start`].

use super::tokens::{scan, word_start, Scan, Tok, Token};

/// What is being completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// Nothing to offer (inside a comment, naming a new parameter or phase).
    Nothing,
    /// `stage search: |`
    StageKind,
    /// `darts.|`: the dotted names before the `.`.
    Member(Vec<String>),
    /// The name of a field: `sgd(|`, `ssl_search { |`; the fields already given.
    Field { owner: Owner, given: Vec<String> },
    /// A value: `momentum = |`, `ops = [|`.
    Value {
        owner: Option<Owner>,
        field: Option<String>,
    },
    /// `when |`
    Metric,
    /// Inside a string: `"|` (the field it is the value of, if any).
    Str { field: Option<String> },
    /// `after |`: a stage of the pipeline.
    Stage,
    /// The start of a top-level line: a keyword.
    TopLevel,
}

/// Whose fields: a call (the dotted callee), a stage kind, a phase or a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Call(Vec<String>),
    Stage(String),
    Phase,
    Pipeline,
}

/// The context and where the word being typed starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub context: Context,
    pub start: usize,
    /// The top-level item the cursor is in: its keyword's name (`recipe` of
    /// `pipeline recipe ...`), for its parameters and settings.
    pub item: Option<String>,
}

/// The completion context at byte `offset` of `text`.
pub fn detect(text: &str, offset: usize) -> Detected {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = word_start(text, offset);
    let (toks, in_string, line_start) = match scan(&text[..start]) {
        Scan::Tokens(t, newline) => (t, None, newline),
        Scan::InComment => {
            return Detected {
                context: Context::Nothing,
                start,
                item: None,
            }
        }
        Scan::InString(t, at) => (t, Some(at), false),
    };
    let item = top_item(&toks);
    if in_string.is_some() {
        let (_, field) = value_owner(&toks);
        return Detected {
            context: Context::Str { field },
            start,
            item,
        };
    }
    Detected {
        context: context(&toks, line_start),
        start,
        item,
    }
}

fn ident<'a>(toks: &[Token<'a>], i: usize) -> Option<&'a str> {
    match toks.get(i)?.tok {
        Tok::Ident(s) => Some(s),
        _ => None,
    }
}

fn punct(toks: &[Token], i: usize, c: char) -> bool {
    matches!(toks.get(i).map(|t| t.tok), Some(Tok::Punct(p)) if p == c)
}

/// The dotted chain of names ending at token `end` (inclusive): `a.b.c`; its first index.
fn chain(toks: &[Token], end: usize) -> Option<(Vec<String>, usize)> {
    let mut names = vec![ident(toks, end)?.to_string()];
    let mut i = end;
    while i >= 2 && punct(toks, i - 1, '.') {
        match ident(toks, i - 2) {
            Some(n) => {
                names.push(n.to_string());
                i -= 2;
            }
            None => break,
        }
    }
    names.reverse();
    Some((names, i))
}

/// Index of the innermost bracket still open at the end of `toks`.
fn open_bracket(toks: &[Token]) -> Option<usize> {
    let mut stack = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.tok {
            Tok::Punct('(' | '[' | '{') => stack.push(i),
            Tok::Punct(')' | ']' | '}') => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

/// The index of the bracket that opens the group closed at `close`.
fn matching_open(toks: &[Token], close: usize) -> Option<usize> {
    let mut depth = 0i32;
    for i in (0..=close).rev() {
        match toks[i].tok {
            Tok::Punct(')' | ']' | '}') => depth += 1,
            Tok::Punct('(' | '[' | '{') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The name of the top-level item (`let`, `def`, `op`, `pipeline`) the tokens end in.
fn top_item(toks: &[Token]) -> Option<String> {
    let mut depth = 0i32;
    let mut last = None;
    for (i, t) in toks.iter().enumerate() {
        match t.tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Ident("let" | "def" | "op" | "pipeline") if depth <= 0 => {
                last = ident(toks, i + 1).map(str::to_string);
            }
            Tok::Ident("import") if depth <= 0 => last = None,
            _ => {}
        }
    }
    last
}

/// Whose fields a bracket at `open` holds.
fn owner(toks: &[Token], open: usize) -> Option<Owner> {
    let is_stage_kind = |kind_at: usize| {
        kind_at >= 3 && punct(toks, kind_at - 1, ':') && ident(toks, kind_at - 3) == Some("stage")
    };
    match toks[open].tok {
        Tok::Punct('(') => {
            let (names, first) = chain(toks, open.checked_sub(1)?)?;
            if names.len() == 1 && is_stage_kind(first) {
                return Some(Owner::Stage(names[0].clone()));
            }
            Some(Owner::Call(names))
        }
        Tok::Punct('{') => {
            if open_bracket(&toks[..open]).is_none() {
                return Some(Owner::Pipeline);
            }
            let before = open.checked_sub(1)?;
            let kind_at = if punct(toks, before, ')') {
                matching_open(toks, before)?.checked_sub(1)?
            } else {
                before
            };
            if is_stage_kind(kind_at) {
                return Some(Owner::Stage(ident(toks, kind_at)?.to_string()));
            }
            if kind_at >= 1 && ident(toks, kind_at - 1) == Some("phase") {
                return Some(Owner::Phase);
            }
            None
        }
        _ => None,
    }
}

/// Whether the bracket at `open` is a parameter list: `def f(`, `pipeline p(`.
fn names_parameters(toks: &[Token], open: usize) -> bool {
    punct(toks, open, '(')
        && open >= 2
        && ident(toks, open - 1).is_some()
        && matches!(ident(toks, open - 2), Some("def" | "op" | "pipeline"))
}

/// The tokens of the item being written inside the bracket at `open` (after the last
/// separator at its depth: a comma, or a line end inside braces).
fn item_tokens<'t, 'a>(toks: &'t [Token<'a>], open: usize) -> &'t [Token<'a>] {
    let braces = punct(toks, open, '{');
    let mut depth = 0i32;
    let mut start = open + 1;
    for (i, t) in toks.iter().enumerate().skip(open + 1) {
        match t.tok {
            Tok::Punct('(' | '[' | '{') => {
                if depth == 0 && braces && t.newline {
                    start = i;
                }
                depth += 1;
            }
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct(',') if depth == 0 => start = i + 1,
            _ if depth == 0 && braces && t.newline => start = i,
            _ => {}
        }
    }
    &toks[start.min(toks.len())..]
}

/// The field a value is for: the name before the `=` of the item, at its depth.
fn field_of(item: &[Token]) -> Option<String> {
    let mut depth = 0i32;
    for (i, t) in item.iter().enumerate() {
        match t.tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct('=') if depth == 0 => {
                return i
                    .checked_sub(1)
                    .and_then(|j| ident(item, j))
                    .map(str::to_string)
            }
            _ => {}
        }
    }
    None
}

fn has_eq(item: &[Token]) -> bool {
    let mut depth = 0i32;
    item.iter().any(|t| {
        match t.tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            _ => {}
        }
        depth == 0 && t.tok == Tok::Punct('=')
    })
}

/// For a value at the end of `toks`: the owner and field it belongs to, looking through
/// list brackets (`steps = [flip, |`).
fn value_owner(toks: &[Token]) -> (Option<Owner>, Option<String>) {
    let mut end = toks.len();
    for _ in 0..64 {
        let Some(open) = open_bracket(&toks[..end]) else {
            return (None, None);
        };
        let item = item_tokens(&toks[..end], open);
        if punct(toks, open, '[') && item.iter().all(|t| !matches!(t.tok, Tok::Punct('='))) {
            end = open;
            continue;
        }
        return (owner(&toks[..end], open), field_of(item));
    }
    (None, None)
}

/// The context after `toks`; `line_start` when a line ends between the last token and the
/// cursor (which starts a new item inside braces).
fn context(toks: &[Token], line_start: bool) -> Context {
    let n = toks.len();
    if n >= 2 && punct(toks, n - 1, '.') {
        if let Some((names, _)) = chain(toks, n - 2) {
            return Context::Member(names);
        }
    }
    if n >= 3 && punct(toks, n - 1, ':') && ident(toks, n - 3) == Some("stage") {
        return Context::StageKind;
    }
    let Some(open) = open_bracket(toks) else {
        return top_level(toks);
    };
    let braces = punct(toks, open, '{');
    let item = if braces && line_start {
        &[]
    } else {
        item_tokens(toks, open)
    };
    if let Some(c) = braces.then(|| block_head(item)).flatten() {
        return c;
    }
    if punct(toks, open, '[') {
        let (owner, field) = value_owner(toks);
        return Context::Value { owner, field };
    }
    if names_parameters(toks, open) {
        return Context::Nothing;
    }
    let who = owner(toks, open);
    match (who, item) {
        (Some(owner), []) => Context::Field {
            owner,
            given: given(toks, open),
        },
        (owner, item) => Context::Value {
            field: owner
                .as_ref()
                .and(has_eq(item).then(|| field_of(item)).flatten()),
            owner,
        },
    }
}

/// Inside braces, an item that starts with a keyword: `when` (a metric), `phase` (a new
/// name: nothing), `stage` (`after |`: a stage; elsewhere in a stage's head nothing).
fn block_head(item: &[Token]) -> Option<Context> {
    match item.first()?.tok {
        Tok::Ident("when") => Some(Context::Metric),
        Tok::Ident("phase") => Some(Context::Nothing),
        Tok::Ident("stage") if item.iter().any(|t| t.tok == Tok::Ident("after")) => {
            Some(Context::Stage)
        }
        Tok::Ident("stage") => Some(Context::Nothing),
        _ => None,
    }
}

/// The fields named (`name =`) at the depth of the bracket at `open`.
fn given(toks: &[Token], open: usize) -> Vec<String> {
    let mut depth = 0i32;
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate().skip(open + 1) {
        match t.tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct('=') if depth == 0 => {
                if let Some(name) = ident(toks, i - 1) {
                    out.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    out
}

/// Outside every bracket: a keyword after a complete item, else a value (`let x = |`).
fn top_level(toks: &[Token]) -> Context {
    match toks.last().map(|t| t.tok) {
        None => Context::TopLevel,
        Some(Tok::Ident(_) | Tok::Num | Tok::Str | Tok::Punct(')' | ']' | '}')) => {
            Context::TopLevel
        }
        Some(_) => Context::Value {
            owner: None,
            field: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The context at the `|` of `text`.
    fn at(text: &str) -> Detected {
        let cursor = text.find('|').expect("a cursor");
        let text = text.replacen('|', "", 1);
        detect(&text, cursor)
    }

    fn ctx(text: &str) -> Context {
        at(text).context
    }

    fn call(names: &[&str]) -> Owner {
        Owner::Call(names.iter().map(|s| s.to_string()).collect())
    }

    fn value(owner: Option<Owner>, field: Option<&str>) -> Context {
        Context::Value {
            owner,
            field: field.map(str::to_string),
        }
    }

    const HEAD: &str = "import std.spaces.darts\npipeline p {\n  data = digits_files\n";

    #[test]
    fn stage_kinds_after_the_colon() {
        assert_eq!(ctx(&format!("{HEAD}  stage s: |")), Context::StageKind);
        let d = at(&format!("{HEAD}  stage s: ssl_se|"));
        assert_eq!(d.context, Context::StageKind);
        assert_eq!(d.start, HEAD.len() + "  stage s: ".len());
    }

    #[test]
    fn members_after_a_dot() {
        assert_eq!(
            ctx("let x = darts.|"),
            Context::Member(vec!["darts".into()])
        );
        assert_eq!(
            ctx("let x = [darts.sep_conv_3x3, darts.se|"),
            Context::Member(vec!["darts".into()])
        );
        assert_eq!(
            ctx("let x = a.b.|"),
            Context::Member(vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn fields_inside_a_stage_block_or_a_call() {
        let owner = Owner::Stage("ssl_search".into());
        assert_eq!(
            ctx(&format!("{HEAD}  stage s: ssl_search {{\n    |")),
            Context::Field {
                owner: owner.clone(),
                given: vec![]
            }
        );
        assert_eq!(
            ctx(&format!(
                "{HEAD}  stage s: ssl_search {{\n    batch = 32\n    spl|"
            )),
            Context::Field {
                owner: owner.clone(),
                given: vec!["batch".into()]
            }
        );
        assert_eq!(
            ctx(&format!("{HEAD}  stage s: ssl_search {{ batch = 32, |")),
            Context::Field {
                owner,
                given: vec!["batch".into()]
            }
        );
        assert_eq!(
            ctx(&format!("{HEAD}  stage t: finetune(epochs = 3, |")),
            Context::Field {
                owner: Owner::Stage("finetune".into()),
                given: vec!["epochs".into()]
            }
        );
        assert_eq!(
            ctx(&format!("{HEAD}  stage t: finetune(epochs = 3) {{ |")),
            Context::Field {
                owner: Owner::Stage("finetune".into()),
                given: vec![]
            }
        );
        assert_eq!(
            ctx("let o = sgd(lr = 0.1, mom|"),
            Context::Field {
                owner: call(&["sgd"]),
                given: vec!["lr".into()]
            }
        );
        assert_eq!(
            ctx("let n = darts.cifar(|"),
            Context::Field {
                owner: call(&["darts", "cifar"]),
                given: vec![]
            }
        );
        assert_eq!(
            ctx(&format!("{HEAD}  stage s: ssl_search {{\n    phase w {{ |")),
            Context::Field {
                owner: Owner::Phase,
                given: vec![]
            }
        );
        assert_eq!(
            ctx(&format!("{HEAD}  |")),
            Context::Field {
                owner: Owner::Pipeline,
                given: vec!["data".into()]
            }
        );
    }

    #[test]
    fn values_know_their_field() {
        assert_eq!(
            ctx("let o = sgd(lr = 0.1, schedule = |"),
            value(Some(call(&["sgd"])), Some("schedule"))
        );
        assert_eq!(
            ctx(&format!(
                "{HEAD}  stage s: ssl_search {{\n    sampler = two|"
            )),
            value(Some(Owner::Stage("ssl_search".into())), Some("sampler"))
        );
        // through a list, to the field that holds it
        assert_eq!(
            ctx("let a = augmentation(views = 2, steps = [flip, |"),
            value(Some(call(&["augmentation"])), Some("steps"))
        );
        // a nested call's value is for the inner call
        assert_eq!(
            ctx("let o = sgd(lr = 0.1, schedule = cosine(per = |"),
            value(Some(call(&["cosine"])), Some("per"))
        );
        assert_eq!(ctx("let x = |"), value(None, None));
        assert_eq!(
            ctx("let x = seq(relu, |"),
            Context::Field {
                owner: call(&["seq"]),
                given: vec![]
            }
        );
        assert_eq!(ctx("let x = (0.0, |"), value(None, None));
    }

    #[test]
    fn conditions_strings_stages_keywords_and_comments() {
        assert_eq!(
            ctx(&format!(
                "{HEAD}  stage s: ssl_search {{\n    phase w {{ max_epochs = 3, when |"
            )),
            Context::Metric
        );
        assert_eq!(
            ctx(&format!(
                "{HEAD}  stage s: ssl_search {{\n    phase w {{ max_epochs = 3\n when lo|"
            )),
            Context::Metric
        );
        assert_eq!(
            ctx("let g = nb201.arch(\"nor_c|"),
            Context::Str { field: None }
        );
        assert_eq!(
            ctx(&format!("{HEAD}  stage d: derive {{ from = \"se|")),
            Context::Str {
                field: Some("from".into())
            }
        );
        assert_eq!(
            ctx(&format!("{HEAD}  stage d: derive after |")),
            Context::Stage
        );
        assert_eq!(ctx("let x = 1\n|"), Context::TopLevel);
        assert_eq!(ctx("|"), Context::TopLevel);
        assert_eq!(ctx("let x = 1 // sgd(|"), Context::Nothing);
        assert_eq!(ctx("let x = 1 /* sgd(|"), Context::Nothing);
        assert_eq!(ctx("def f(|"), Context::Nothing);
        // comments and closed strings before the cursor do not count
        assert_eq!(
            ctx("let o = sgd( // a (\n lr = \"(\", /* ( */ |"),
            Context::Field {
                owner: call(&["sgd"]),
                given: vec!["lr".into()]
            }
        );
    }

    #[test]
    fn the_enclosing_item_is_named() {
        assert_eq!(at(&format!("{HEAD}  |")).item.as_deref(), Some("p"));
        assert_eq!(at("def f(a: int) = sgd(|").item.as_deref(), Some("f"));
        assert_eq!(at("import std.data\n|").item, None);
    }
}
