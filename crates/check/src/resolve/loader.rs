//! Module loading: files, the embedded standard library and search paths, with import
//! cycle detection (the chain is shown) and a fence against imports that climb out of the
//! project folder.
//!
//! Search order for `import a.b`: `<importing dir>/a/b.nas`, then every library dir.
//! `import std.x.y`: `<lib dir>/std/x/y.nas` (an override) then the embedded module.
//! `import "rel/path.nas"`: relative to the importing file, never above its project root.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::error::ResolveError;
use super::stdlib;
use nas_syntax::ast::{self, ImportTarget, Item};
use nas_syntax::diagnostics::{closest, suggest, Diag};
use nas_syntax::source::{SourceId, SourceMap, Span};
use nas_syntax::ParseError;

/// Index of a loaded module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModId(pub u32);

/// Where a module came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModKey {
    File(PathBuf),
    Std(String),
    /// Text given directly (tests, stdin).
    Text(String),
}

#[derive(Debug, Clone)]
pub struct Module {
    pub id: ModId,
    pub src: SourceId,
    pub key: ModKey,
    pub file: ast::File,
    /// Import bindings: name -> module.
    pub imports: HashMap<String, ModId>,
    /// Top-level definitions and pipelines: name -> index into `file.items`.
    pub items: HashMap<String, usize>,
    /// Whether parsing failed (names from it are not reported again).
    pub broken: bool,
    /// The folder imports may not climb out of.
    pub root: PathBuf,
}

/// Everything loaded for one compilation.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub modules: Vec<Module>,
    pub entry: Option<ModId>,
}

impl Loaded {
    pub fn module(&self, id: ModId) -> Option<&Module> {
        self.modules.get(id.0 as usize)
    }
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Extra search folders (`--lib DIR`, then `NAS_PATH`).
    pub lib_dirs: Vec<PathBuf>,
    /// Check without reading the data (`--no-data`): no data-aware checks, for a spec
    /// checked away from the machine and folder it will run in.
    pub no_data: bool,
}

/// Longest chain of nested imports.
const MAX_IMPORT_DEPTH: usize = 64;

struct Loader<'o> {
    opts: &'o LoadOptions,
    out: Loaded,
    diags: Vec<Diag>,
    by_key: HashMap<ModKey, ModId>,
    /// Modules being loaded (for cycles), with the display name.
    stack: Vec<(ModKey, String)>,
}

/// Load a file and everything it imports.
pub fn load_file(path: &Path, opts: &LoadOptions) -> (Loaded, Vec<Diag>) {
    let mut l = Loader::new(opts);
    let path = normalize(path);
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let id = l.load(ModKey::File(path), root, None);
    l.out.entry = id;
    (l.out, l.diags)
}

/// Load text given directly; relative imports resolve against `dir`.
pub fn load_text(name: &str, text: &str, dir: &Path, opts: &LoadOptions) -> (Loaded, Vec<Diag>) {
    let mut l = Loader::new(opts);
    let src = l.out.sources.add(name, text);
    let id = l.load_source(
        ModKey::Text(name.to_string()),
        src,
        normalize(dir),
        name.to_string(),
    );
    l.out.entry = Some(id);
    (l.out, l.diags)
}

/// Load the standard module `std.<path>`.
pub fn load_std(path: &str, opts: &LoadOptions) -> (Loaded, Vec<Diag>) {
    let mut l = Loader::new(opts);
    let id = l.load(ModKey::Std(path.to_string()), PathBuf::new(), None);
    l.out.entry = id;
    (l.out, l.diags)
}

impl<'o> Loader<'o> {
    fn new(opts: &'o LoadOptions) -> Self {
        Loader {
            opts,
            out: Loaded::default(),
            diags: Vec::new(),
            by_key: HashMap::new(),
            stack: Vec::new(),
        }
    }

    /// Load `key` (once); `at` is the import that asked for it.
    fn load(&mut self, key: ModKey, root: PathBuf, at: Option<Span>) -> Option<ModId> {
        if let Some(pos) = self.stack.iter().position(|(k, _)| *k == key) {
            let mut names: Vec<String> = self.stack[pos..]
                .iter()
                .map(|(_, n)| format!("`{n}`"))
                .collect();
            names.push(format!("`{}`", self.stack[pos].1));
            let d = Diag::error(
                ResolveError::ImportCycle {
                    chain: names.join(" -> "),
                },
                at.unwrap_or_default(),
                "this import closes the cycle",
            )
            .with_help("move the shared definitions into a module that both can import");
            self.diags.push(d);
            return None;
        }
        if let Some(id) = self.by_key.get(&key) {
            return Some(*id);
        }
        if self.stack.len() >= MAX_IMPORT_DEPTH {
            let d = Diag::error(
                ParseError::TooDeep {
                    limit: MAX_IMPORT_DEPTH,
                },
                at.unwrap_or_default(),
                "imports nest too deep here",
            );
            self.diags.push(d);
            return None;
        }
        let (name, text) = self.read(&key, at)?;
        let src = self.out.sources.add(name.clone(), text);
        Some(self.load_source(key, src, root, name))
    }

    /// Read a module's text; reports unreadable files and invalid UTF-8.
    fn read(&mut self, key: &ModKey, at: Option<Span>) -> Option<(String, String)> {
        match key {
            ModKey::Std(p) => stdlib::lookup(p).map(|t| (stdlib::display_name(p), t.to_string())),
            ModKey::Text(_) => None,
            ModKey::File(path) => {
                let name = path.display().to_string();
                let bytes = match read_source(path) {
                    Ok((b, size)) if b.len() > nas_syntax::MAX_SOURCE_BYTES => {
                        let src = self.out.sources.add(name, String::new());
                        let p = ParseError::TooLarge {
                            bytes: usize::try_from(size).unwrap_or(usize::MAX).max(b.len()),
                            limit: nas_syntax::MAX_SOURCE_BYTES,
                        };
                        let d = Diag::error(p, Span::new(src, 0, 0), "this file is too large")
                            .with_help("split it into modules and import them");
                        self.diags.push(d);
                        return None;
                    }
                    Ok((b, _)) => b,
                    Err(reason) => {
                        let p = ResolveError::Unreadable { path: name, reason };
                        self.diags.push(match at {
                            Some(s) => Diag::error(p, s, "imported here"),
                            None => Diag::unlocated(p),
                        });
                        return None;
                    }
                };
                match String::from_utf8(bytes) {
                    Ok(t) => Some((name, t)),
                    Err(e) => {
                        let off = e.utf8_error().valid_up_to();
                        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                        let src = self.out.sources.add(name, text);
                        let char_end = self.out.sources.text(src)[off..]
                            .chars()
                            .next()
                            .map(|c| off + c.len_utf8())
                            .unwrap_or(off);
                        self.diags.push(
                            Diag::error(
                                ParseError::InvalidUtf8,
                                Span::new(src, off, char_end),
                                "invalid byte here",
                            )
                            .with_help("save the file as UTF-8"),
                        );
                        None
                    }
                }
            }
        }
    }

    fn load_source(&mut self, key: ModKey, src: SourceId, root: PathBuf, name: String) -> ModId {
        let text = self.out.sources.text(src).to_string();
        let (file, mut diags) = nas_syntax::parse(src, &text);
        let broken = file.is_none() || diags.iter().any(|d| d.is_error());
        self.diags.append(&mut diags);
        let file = file.unwrap_or(ast::File {
            src,
            items: Vec::new(),
        });
        let id = ModId(self.out.modules.len() as u32);
        self.by_key.insert(key.clone(), id);
        let items = self.collect_items(&file);
        self.out.modules.push(Module {
            id,
            src,
            key: key.clone(),
            file: file.clone(),
            imports: HashMap::new(),
            items,
            broken,
            root: root.clone(),
        });
        self.stack.push((key.clone(), name));
        let mut imports = HashMap::new();
        for item in &file.items {
            if let Item::Import(imp) = item {
                if let Some((bind, target)) = self.import(&key, &root, imp) {
                    imports.insert(bind, target);
                }
            }
        }
        self.stack.pop();
        if let Some(m) = self.out.modules.get_mut(id.0 as usize) {
            m.imports = imports;
        }
        id
    }

    /// Top-level names; reports duplicates (imports included).
    fn collect_items(&mut self, file: &ast::File) -> HashMap<String, usize> {
        let mut items: HashMap<String, usize> = HashMap::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for (i, item) in file.items.iter().enumerate() {
            let ident = match item {
                Item::Def(d) => Some(d.name.clone()),
                Item::Pipeline(p) => Some(p.name.clone()),
                Item::Import(imp) => imp.binding(),
            };
            let Some(ident) = ident else { continue };
            if let Some(first) = seen.get(&ident.name) {
                self.diags.push(
                    Diag::error(ResolveError::DuplicateDefinition { name: ident.name.clone() }, ident.span, "defined again here")
                        .with_note(*first, "first defined here")
                        .with_help("rename one of them (an import binds its last path segment; use `as` to rename it)"),
                );
                continue;
            }
            seen.insert(ident.name.clone(), ident.span);
            if !matches!(item, Item::Import(_)) {
                items.insert(ident.name, i);
            }
        }
        items
    }

    fn import(&mut self, from: &ModKey, root: &Path, imp: &ast::Import) -> Option<(String, ModId)> {
        let bind = imp.binding()?.name;
        let id = match &imp.target {
            ImportTarget::Module(parts) => {
                let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
                let span = parts.first()?.span.to(parts.last()?.span);
                if names.first() == Some(&"std") {
                    self.import_std(&names[1..], span)?
                } else {
                    self.import_dotted(from, root, &names, span)?
                }
            }
            ImportTarget::Path(p, span) => self.import_path(from, root, p, *span)?,
        };
        Some((bind, id))
    }

    /// `import std.x.y`: an override in a library folder, else the embedded module.
    fn import_std(&mut self, names: &[&str], span: Span) -> Option<ModId> {
        for dir in &self.opts.lib_dirs {
            let f = dir.join("std").join(format!("{}.nas", names.join("/")));
            if f.is_file() {
                return self.load(ModKey::File(normalize(&f)), normalize(dir), Some(span));
            }
        }
        let path = names.join(".");
        if stdlib::lookup(&path).is_some() {
            return self.load(ModKey::Std(path), PathBuf::new(), Some(span));
        }
        let cands: Vec<String> = stdlib::STDLIB
            .iter()
            .map(|(p, _)| format!("std.{p}"))
            .collect();
        self.not_found(&format!("std.{path}"), span, cands);
        None
    }

    /// `import a.b`: `a/b.nas` beside the importing file, then in each library folder.
    fn import_dotted(
        &mut self,
        from: &ModKey,
        root: &Path,
        names: &[&str],
        span: Span,
    ) -> Option<ModId> {
        let rel = format!("{}.nas", names.join("/"));
        let mut dirs: Vec<PathBuf> = self.dir_of(from).into_iter().collect();
        dirs.extend(self.opts.lib_dirs.iter().map(|d| normalize(d)));
        for dir in &dirs {
            let f = normalize(&dir.join(&rel));
            if f.is_file() {
                if !self.inside_allowed(&f, root) {
                    self.escapes(&rel, root, span);
                    return None;
                }
                return self.load(ModKey::File(f), root.to_path_buf(), Some(span));
            }
        }
        let module = names.join(".");
        let cands = candidates(&dirs);
        let help = match closest(&module, cands.iter().map(String::as_str)) {
            Some(c) => format!("did you mean `{c}`?"),
            None => {
                let shown: Vec<String> =
                    dirs.iter().map(|d| format!("`{}`", show_dir(d))).collect();
                format!(
                    "`import {module}` reads `{rel}` beside the importing file or in a `--lib` folder; it is not in {}",
                    shown.join(" or ")
                )
            }
        };
        self.not_found_help(&module, span, help);
        None
    }

    /// `import "rel/path.nas"`: relative to the importing file, inside its project root.
    fn import_path(&mut self, from: &ModKey, root: &Path, p: &str, span: Span) -> Option<ModId> {
        let Some(dir) = self.dir_of(from) else {
            self.not_found(p, span, Vec::new());
            return None;
        };
        let target = normalize(&dir.join(p));
        let escapes = match target.strip_prefix(root) {
            Ok(rest) => rest.components().next() == Some(Component::ParentDir),
            Err(_) => true,
        };
        if escapes || Path::new(p).is_absolute() {
            self.escapes(p, root, span);
            return None;
        }
        if !target.is_file() {
            self.not_found(p, span, candidates(&[dir]));
            return None;
        }
        // the lexical check above cannot see symbolic links: where the file really is decides
        if !self.inside_allowed(&target, root) {
            self.escapes(p, root, span);
            return None;
        }
        self.load(ModKey::File(target), root.to_path_buf(), Some(span))
    }

    /// Whether `file`, with every symbolic link resolved, lies inside the project `root` or a
    /// library folder. Checked before the file is read, so a refused import never shows
    /// what the file holds.
    fn inside_allowed(&self, file: &Path, root: &Path) -> bool {
        let Ok(real) = std::fs::canonicalize(file) else {
            return false;
        };
        let base = |d: &Path| {
            std::fs::canonicalize(if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            })
        };
        std::iter::once(root)
            .chain(self.opts.lib_dirs.iter().map(PathBuf::as_path))
            .filter_map(|d| base(d).ok())
            .any(|d| real.starts_with(d))
    }

    fn escapes(&mut self, p: &str, root: &Path, span: Span) {
        let help = format!(
            "imports stay inside `{}` (symbolic links included); pass other folders with `--lib DIR`",
            show_dir(root)
        );
        let d = Diag::error(
            ResolveError::ImportEscapes {
                path: p.to_string(),
            },
            span,
            "this path leaves the project folder",
        );
        self.diags.push(d.with_help(help));
    }

    fn dir_of(&self, key: &ModKey) -> Option<PathBuf> {
        match key {
            ModKey::File(p) => Some(p.parent().map(Path::to_path_buf).unwrap_or_default()),
            ModKey::Text(_) => self.out.modules.first().map(|m| m.root.clone()),
            ModKey::Std(_) => None,
        }
    }

    fn not_found(&mut self, module: &str, span: Span, cands: Vec<String>) {
        let help = suggest(module, cands.iter().map(String::as_str));
        self.not_found_help(module, span, help);
    }

    fn not_found_help(&mut self, module: &str, span: Span, help: String) {
        self.diags.push(
            Diag::error(
                ResolveError::ImportNotFound {
                    module: module.to_string(),
                },
                span,
                "not found",
            )
            .with_help(help),
        );
    }
}

fn show_dir(p: &Path) -> String {
    if p.as_os_str().is_empty() {
        ".".into()
    } else {
        p.display().to_string()
    }
}

/// Module names available in `dirs` (two levels deep), for "expected one of".
fn candidates(dirs: &[PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    for d in dirs {
        let base = if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d.as_path()
        };
        for e in walkdir::WalkDir::new(base)
            .max_depth(2)
            .into_iter()
            .filter_map(Result::ok)
            .take(200)
        {
            let p = e.path();
            if p.extension().and_then(|x| x.to_str()) == Some("nas") {
                if let Ok(rel) = p.strip_prefix(base) {
                    let s = rel
                        .with_extension("")
                        .to_string_lossy()
                        .replace(['/', '\\'], ".");
                    out.push(s);
                }
            }
        }
    }
    out.push("std".into());
    // in name order, not the file system's, so that the help is the same on every machine
    out.sort_unstable();
    out.dedup();
    out
}

/// Lexical normalisation: drop `.`, fold `x/..`; leading `..` are kept.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// A source file's bytes and its size on disk, read only when it is a regular file (a FIFO
/// would block, a device such as `/dev/zero` never ends) and only up to one byte past the
/// size limit. `nas fmt` reads its files with it too.
pub fn read_source(path: &Path) -> Result<(Vec<u8>, u64), String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(format!("it is {what}"));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(nas_syntax::MAX_SOURCE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok((bytes, meta.len()))
}
