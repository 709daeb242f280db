//! Problems found while reading a file's text: lexical pre-scan and grammar errors.

use crate::diagnostics::Problem;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("syntax error: expected {expected}")]
    Unexpected { expected: String },
    #[error("unterminated string")]
    UnterminatedString,
    #[error("unterminated block comment")]
    UnterminatedComment,
    #[error("integer `{text}` does not fit in 64 bits")]
    IntOutOfRange { text: String },
    #[error("number `{text}` is out of range")]
    FloatOutOfRange { text: String },
    #[error("nesting deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("expression too long: more than {limit} operators or suffixes in a row")]
    TooComplex { limit: usize },
    #[error("the file is not valid UTF-8")]
    InvalidUtf8,
    #[error("unknown escape `\\{escape}` in a string")]
    BadEscape { escape: char },
    #[error("the file is empty")]
    EmptyFile,
    #[error("the file is {bytes} bytes; nas reads files of at most {limit} bytes")]
    TooLarge { bytes: usize, limit: usize },
    #[error("`{op}` is not an operator: conditions cannot be combined")]
    LogicalOperator { op: String },
}

impl Problem for ParseError {
    fn code(&self) -> &'static str {
        match self {
            ParseError::Unexpected { .. } => "nas::syntax::unexpected",
            ParseError::UnterminatedString => "nas::syntax::unterminated_string",
            ParseError::UnterminatedComment => "nas::syntax::unterminated_comment",
            ParseError::IntOutOfRange { .. } => "nas::syntax::int_out_of_range",
            ParseError::FloatOutOfRange { .. } => "nas::syntax::float_out_of_range",
            ParseError::TooDeep { .. } => "nas::syntax::too_deep",
            ParseError::TooComplex { .. } => "nas::syntax::too_complex",
            ParseError::InvalidUtf8 => "nas::syntax::invalid_utf8",
            ParseError::BadEscape { .. } => "nas::syntax::bad_escape",
            ParseError::EmptyFile => "nas::syntax::empty_file",
            ParseError::TooLarge { .. } => "nas::syntax::too_large",
            ParseError::LogicalOperator { .. } => "nas::syntax::logical_operator",
        }
    }
}
