//! The server: the open documents, the message loop, and one handler per request.
//!
//! Contract: after `initialize`, every `didOpen`, `didChange` and `didSave` checks the
//! document at once and publishes its diagnostics (a save also rechecks the other open
//! documents, which may import the saved one from disk); `didClose` clears them. Requests
//! are answered in order; a handler that panics answers with an internal error and the
//! server goes on. `shutdown` then `exit` ends [`run`] with `Ok`; `exit` without
//! `shutdown`, or the input ending, is [`LspError::Protocol`] (the protocol asks for exit
//! code 1 then).
//!
//! A document's folder is its import root (`import models.mine` reads `models/mine.nas`
//! beside it, from disk); `NAS_PATH` adds library folders, as for `nas check`. Queries on a
//! document that does not parse use the text with the offending lines blanked out (and, for
//! completion, the line being typed), so that the rest of the file still answers; completion
//! falls back on the last text that parsed.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::rc::Rc;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, Request as _,
};
use lsp_types::{
    CompletionOptions, CompletionParams, CompletionResponse, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    DocumentFormattingParams, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, HoverProviderCapability, Location,
    MarkupContent, MarkupKind, OneOf, Position, PositionEncodingKind, PublishDiagnosticsParams,
    SaveOptions, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, TextEdit, Uri,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use nas_check::resolve::LoadOptions;
use nas_check::{compile_text, Select};
use nas_syntax::source::SourceId;

use crate::analysis::Analysis;
use crate::completion::{self, context};
use crate::diagnostics::{self, DocView, Locator, DOC};
use crate::position::LineIndex;
use crate::stdlib_files::StdlibFiles;
use crate::{hover, symbols, LspError};

/// One open document.
struct Document {
    uri: Uri,
    version: i32,
    text: String,
    lines: LineIndex,
    /// The file it is, when it is one.
    path: Option<PathBuf>,
    /// The modules of this text, once a query asked for them.
    analysis: Option<Rc<Analysis>>,
    /// The modules of the last text of this document that parsed.
    parsed: Option<Rc<Analysis>>,
}

impl Document {
    fn new(uri: Uri, version: i32, text: String) -> Self {
        let path = crate::uri::to_path(&uri);
        Document {
            lines: LineIndex::new(&text),
            uri,
            version,
            text,
            path,
            analysis: None,
            parsed: None,
        }
    }

    fn set_text(&mut self, version: i32, text: String) {
        self.version = version;
        self.lines = LineIndex::new(&text);
        self.text = text;
        self.analysis = None;
    }

    /// The name diagnostics give the document: its path, else its URI.
    fn name(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => self.uri.as_str().to_string(),
        }
    }

    /// The folder its imports resolve against.
    fn dir(&self) -> PathBuf {
        match self.path.as_ref().and_then(|p| p.parent()) {
            Some(d) => d.to_path_buf(),
            None => std::env::current_dir().unwrap_or_default(),
        }
    }

    fn load(&self, text: &str, opts: &LoadOptions) -> Analysis {
        Analysis::load(&self.name(), text, &self.dir(), opts)
    }

    fn offset(&self, pos: Position) -> usize {
        self.lines.offset(&self.text, pos)
    }
}

/// What the server advertises.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(
                [".", ":", "(", "{", ",", "\""]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            ..CompletionOptions::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// Initialize, then serve `conn` until `shutdown` and `exit`; `stdlib` is where the standard
/// library's copies go.
pub fn run(conn: &Connection, stdlib: StdlibFiles) -> Result<(), LspError> {
    let protocol = |e: lsp_server::ProtocolError| LspError::Protocol {
        reason: e.to_string(),
    };
    let (id, _params) = conn.initialize_start().map_err(|e| {
        if e.channel_is_disconnected() {
            LspError::Protocol {
                reason: "the input ended before `initialize`".into(),
            }
        } else {
            protocol(e)
        }
    })?;
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": { "name": "nas", "version": env!("CARGO_PKG_VERSION") },
    });
    conn.initialize_finish(id, result).map_err(protocol)?;
    let mut server = Server {
        conn,
        docs: HashMap::new(),
        stdlib,
        opts: load_options(),
    };
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req).map_err(protocol)? {
                    return Ok(());
                }
                let id = req.id.clone();
                let resp = std::panic::catch_unwind(AssertUnwindSafe(|| server.request(req)))
                    .unwrap_or_else(|_| {
                        Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            "internal error in nas lsp; please report".into(),
                        )
                    });
                server.send(resp.into());
            }
            Message::Notification(n) if n.method == "exit" => {
                return Err(LspError::Protocol {
                    reason: "`exit` came before `shutdown`".into(),
                })
            }
            Message::Notification(n) => {
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| server.notification(n)));
            }
            Message::Response(_) => {}
        }
    }
    Err(LspError::Protocol {
        reason: "the input ended before `exit`".into(),
    })
}

/// Library folders from `NAS_PATH`, as `nas check` reads them. The data is left alone: the
/// editor checks on every change, and counting an image folder's files (or reading paths
/// relative to wherever the editor started the server) is `nas check`'s job, not a
/// keystroke's.
fn load_options() -> LoadOptions {
    let lib_dirs = std::env::var_os("NAS_PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    LoadOptions {
        lib_dirs,
        no_data: true,
    }
}

struct Server<'c> {
    conn: &'c Connection,
    docs: HashMap<String, Document>,
    stdlib: StdlibFiles,
    opts: LoadOptions,
}

/// A request's parameters, or the error to answer with.
fn params<P: DeserializeOwned>(req: &Request) -> Result<P, Response> {
    serde_json::from_value(req.params.clone()).map_err(|e| {
        Response::new_err(
            req.id.clone(),
            ErrorCode::InvalidParams as i32,
            e.to_string(),
        )
    })
}

fn ok<R: Serialize>(req: &Request, result: R) -> Response {
    Response::new_ok(req.id.clone(), result)
}

impl Server<'_> {
    fn send(&self, msg: Message) {
        // a closed connection ends the loop on the next receive
        let _ = self.conn.sender.send(msg);
    }

    fn request(&mut self, req: Request) -> Response {
        let answer = match req.method.as_str() {
            HoverRequest::METHOD => params(&req).map(|p| ok(&req, self.hover(p))),
            GotoDefinition::METHOD => params(&req).map(|p| ok(&req, self.definition(p))),
            Completion::METHOD => params(&req).map(|p| ok(&req, self.completion(p))),
            DocumentSymbolRequest::METHOD => params(&req).map(|p| ok(&req, self.symbols(p))),
            Formatting::METHOD => params(&req).map(|p| ok(&req, self.format(p))),
            _ => Err(Response::new_err(
                req.id.clone(),
                ErrorCode::MethodNotFound as i32,
                format!("nas lsp does not handle `{}`", req.method),
            )),
        };
        answer.unwrap_or_else(|e| e)
    }

    fn notification(&mut self, n: Notification) {
        let params = n.params;
        let _ = match n.method.as_str() {
            DidOpenTextDocument::METHOD => serde_json::from_value(params).map(|p| self.opened(p)),
            DidChangeTextDocument::METHOD => {
                serde_json::from_value(params).map(|p| self.changed(p))
            }
            DidSaveTextDocument::METHOD => serde_json::from_value(params).map(|p| self.saved(p)),
            DidCloseTextDocument::METHOD => serde_json::from_value(params).map(|p| self.closed(p)),
            _ => Ok(()),
        };
    }

    fn opened(&mut self, p: DidOpenTextDocumentParams) {
        let d = p.text_document;
        let key = d.uri.as_str().to_string();
        self.docs
            .insert(key.clone(), Document::new(d.uri, d.version, d.text));
        self.check(&key);
    }

    fn changed(&mut self, p: DidChangeTextDocumentParams) {
        let key = p.text_document.uri.as_str().to_string();
        let Some(doc) = self.docs.get_mut(&key) else {
            return;
        };
        let mut text = std::mem::take(&mut doc.text);
        for change in p.content_changes {
            match change.range {
                // a client may send ranges even when asked for whole texts
                Some(r) => {
                    let lines = LineIndex::new(&text);
                    let (a, b) = (lines.offset(&text, r.start), lines.offset(&text, r.end));
                    text.replace_range(a..b.max(a), &change.text);
                }
                None => text = change.text,
            }
        }
        doc.set_text(p.text_document.version, text);
        self.check(&key);
    }

    /// Another document may import the saved one from disk: check every other one again.
    fn saved(&mut self, p: DidSaveTextDocumentParams) {
        let saved = p.text_document.uri.as_str().to_string();
        let others: Vec<String> = self.docs.keys().filter(|k| **k != saved).cloned().collect();
        for key in others {
            if let Some(d) = self.docs.get_mut(&key) {
                d.analysis = None;
            }
            self.check(&key);
        }
    }

    fn closed(&mut self, p: DidCloseTextDocumentParams) {
        let uri = p.text_document.uri;
        self.docs.remove(uri.as_str());
        self.publish(uri, Vec::new(), None);
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new(PublishDiagnostics::METHOD.to_string(), params).into());
    }

    /// Check the document and publish its diagnostics.
    fn check(&mut self, key: &str) {
        let Some(doc) = self.docs.get(key) else {
            return;
        };
        let c = compile_text(
            &doc.name(),
            &doc.text,
            &doc.dir(),
            &self.opts,
            &Select::default(),
        );
        let foreign = c.diags.iter().any(|d| d.span.is_some_and(|s| s.src != DOC));
        let an = if foreign { self.analysis(key) } else { None };
        let Some(doc) = self.docs.get(key) else {
            return;
        };
        let view = DocView {
            uri: &doc.uri,
            text: &doc.text,
            lines: &doc.lines,
        };
        let mut loc = Locator::new(&view, &mut self.stdlib);
        let diags = diagnostics::convert(&c, &mut loc, an.as_deref());
        let (uri, version) = (doc.uri.clone(), doc.version);
        self.publish(uri, diags, Some(version));
    }

    /// The modules of the document's current text.
    fn analysis(&mut self, key: &str) -> Option<Rc<Analysis>> {
        let doc = self.docs.get_mut(key)?;
        if let Some(a) = &doc.analysis {
            return Some(Rc::clone(a));
        }
        let a = Rc::new(doc.load(&doc.text, &self.opts));
        if a.parsed() {
            doc.parsed = Some(Rc::clone(&a));
        }
        doc.analysis = Some(Rc::clone(&a));
        Some(a)
    }

    /// Modules for a query at `line`: of the text, or of the text with the lines that do not
    /// parse blanked out (`line` too when `blank_line`); offsets stay those of the text.
    fn query_analysis(&mut self, key: &str, line: u32, blank_line: bool) -> Option<Rc<Analysis>> {
        let an = self.analysis(key)?;
        if an.parsed() && !blank_line {
            return Some(an);
        }
        let doc = self.docs.get(key)?;
        let text = repair(&doc.text, &doc.lines, blank_line.then_some(line))?;
        let repaired = doc.load(&text, &self.opts);
        repaired.parsed().then(|| Rc::new(repaired))
    }

    fn hover(&mut self, p: HoverParams) -> Option<Hover> {
        let at = p.text_document_position_params;
        let key = at.text_document.uri.as_str();
        let an = self.query_analysis(key, at.position.line, false)?;
        let offset = self.docs.get(key)?.offset(at.position);
        let target = an.target_at(offset)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: hover::markdown(&an, target),
            }),
            range: None,
        })
    }

    fn definition(&mut self, p: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let at = p.text_document_position_params;
        let key = at.text_document.uri.as_str();
        let an = self.query_analysis(key, at.position.line, false)?;
        let offset = self.docs.get(key)?.offset(at.position);
        let target = an.target_at(offset)?;
        let span = an.definition_span(target)?;
        let doc = self.docs.get(key)?;
        let view = DocView {
            uri: &doc.uri,
            text: &doc.text,
            lines: &doc.lines,
        };
        let mut loc = Locator::new(&view, &mut self.stdlib);
        let location: Location = loc.location(&an.loaded.sources, span)?;
        Some(GotoDefinitionResponse::Scalar(location))
    }

    fn completion(&mut self, p: CompletionParams) -> Option<CompletionResponse> {
        let at = p.text_document_position;
        let key = at.text_document.uri.as_str();
        let an = match self.query_analysis(key, at.position.line, true) {
            Some(a) => a,
            None => {
                let doc = self.docs.get(key)?;
                match &doc.parsed {
                    Some(a) => Rc::clone(a),
                    None => Rc::new(doc.load("", &self.opts)),
                }
            }
        };
        let doc = self.docs.get(key)?;
        let offset = doc.offset(at.position);
        let detected = context::detect(&doc.text, offset);
        let range = doc.lines.range(&doc.text, detected.start, offset);
        Some(CompletionResponse::Array(completion::items(
            &an, &detected, range,
        )))
    }

    fn symbols(&mut self, p: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
        let doc = self.docs.get(p.text_document.uri.as_str())?;
        let (file, diags) = nas_syntax::parse(SourceId(0), &doc.text);
        let file = file.filter(|_| !diags.iter().any(|d| d.is_error()))?;
        Some(DocumentSymbolResponse::Nested(symbols::outline(
            &file, &doc.text, &doc.lines,
        )))
    }

    /// One edit replacing the whole text with its formatted form; none when the text does
    /// not parse (the diagnostics say why) or is already formatted.
    fn format(&mut self, p: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
        let doc = self.docs.get(p.text_document.uri.as_str())?;
        let formatted = nas_syntax::fmt::format(SourceId(0), &doc.text).ok()?;
        if formatted == doc.text {
            return Some(Vec::new());
        }
        let range = doc.lines.range(&doc.text, 0, doc.text.len());
        Some(vec![TextEdit::new(range, formatted)])
    }
}

/// `text` with `line` (if given) and then the lines of its syntax errors blanked out (every
/// byte a space, so offsets do not move), until it parses; `None` when it does not within a
/// few lines, or only by blanking a line that opens or closes a block.
fn repair(text: &str, lines: &LineIndex, line: Option<u32>) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    // blank a line; one that opens or closes more brackets than it closes or opens only
    // when `any` (it would unbalance the rest of the file)
    let blank = |bytes: &mut Vec<u8>, line: u32, any: bool| -> bool {
        let t = String::from_utf8_lossy(bytes).into_owned();
        let start = lines.offset(&t, Position::new(line, 0));
        let end = lines.offset(&t, Position::new(line, u32::MAX));
        let span = &bytes[start..end];
        let opens = span.iter().filter(|b| b"([{".contains(b)).count();
        let closes = span.iter().filter(|b| b")]}".contains(b)).count();
        let changed = span.iter().any(|b| *b != b' ');
        if !any && opens != closes {
            return false;
        }
        bytes[start..end].iter_mut().for_each(|b| *b = b' ');
        changed
    };
    if let Some(l) = line {
        blank(&mut bytes, l, true);
    }
    for _ in 0..4 {
        let t = String::from_utf8(bytes.clone()).ok()?;
        let (file, diags) = nas_syntax::parse(SourceId(0), &t);
        let error = diags.iter().find(|d| d.is_error());
        match (file, error) {
            (Some(_), None) => return Some(t),
            (_, Some(d)) => {
                // the error is where the parser stopped, often the token after the culprit:
                // blank the line of the text before it first, then the error's own
                let at = d.span?.start.min(t.len());
                let before = t[..at].trim_end().len().saturating_sub(1);
                if !blank(&mut bytes, lines.position(&t, before).line, false)
                    && !blank(&mut bytes, lines.position(&t, at).line, false)
                {
                    return None;
                }
            }
            (None, None) => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repair_blanks_the_broken_lines_and_keeps_offsets() {
        let text = "let a = 1\nlet b = darts.\nlet c = 2\n";
        let lines = LineIndex::new(text);
        let fixed = repair(text, &lines, None).expect("repaired");
        assert_eq!(fixed.len(), text.len());
        assert_eq!(fixed, "let a = 1\n              \nlet c = 2\n");
        let fixed = repair(
            "let a = 1\nlet b = sgd(l\n",
            &LineIndex::new("let a = 1\nlet b = sgd(l\n"),
            Some(1),
        );
        assert_eq!(fixed.as_deref(), Some("let a = 1\n             \n"));
        let broken = "pipeline p {\n  let\n";
        assert_eq!(repair(broken, &LineIndex::new(broken), None), None);
    }
}
