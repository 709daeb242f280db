//! Problems found while loading modules and resolving names.

use nas_syntax::diagnostics::Problem;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResolveError {
    #[error("cannot find module `{module}`")]
    ImportNotFound { module: String },
    #[error("import cycle: {chain}")]
    ImportCycle { chain: String },
    #[error("import `{path}` climbs out of the project folder")]
    ImportEscapes { path: String },
    #[error("cannot read `{path}`: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("unknown name `{name}`")]
    UnknownName { name: String },
    #[error("module `{module}` has no definition `{name}`")]
    UnknownMember { module: String, name: String },
    #[error("`{name}` is defined more than once")]
    DuplicateDefinition { name: String },
    #[error("parameter `{name}` is declared more than once")]
    DuplicateParam { name: String },
    #[error("unknown type `{name}`")]
    UnknownType { name: String },
    #[error("`{name}` is a standard module that is not imported")]
    MissingImport { name: String },
}

impl Problem for ResolveError {
    fn code(&self) -> &'static str {
        match self {
            ResolveError::ImportNotFound { .. } => "nas::resolve::import_not_found",
            ResolveError::ImportCycle { .. } => "nas::resolve::import_cycle",
            ResolveError::ImportEscapes { .. } => "nas::resolve::import_escapes",
            ResolveError::Unreadable { .. } => "nas::resolve::unreadable",
            ResolveError::UnknownName { .. } => "nas::resolve::unknown_name",
            ResolveError::UnknownMember { .. } => "nas::resolve::unknown_member",
            ResolveError::DuplicateDefinition { .. } => "nas::resolve::duplicate_definition",
            ResolveError::DuplicateParam { .. } => "nas::resolve::duplicate_param",
            ResolveError::UnknownType { .. } => "nas::resolve::unknown_type",
            ResolveError::MissingImport { .. } => "nas::resolve::missing_import",
        }
    }
}
