use thiserror::Error;

/// Errors that the domain itself can tell apart. Storage and transport errors live in their layers.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DomainError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("`first` and `last` may be at most {max}; {given} was asked")]
    PageTooLarge { max: u32, given: i64 },
    #[error("`first` and `last` cannot be negative")]
    NegativePageSize,
    #[error("`first` and `last` cannot be used together")]
    BothFirstAndLast,
    #[error("the cursor is not one this API handed out")]
    BadCursor,
    #[error("unknown {vocabulary} code `{code}`")]
    UnknownTerm { vocabulary: String, code: String },
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}
