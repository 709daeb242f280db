//! The server in process, over an in-memory connection: what the binary's test
//! (`crates/cli/tests/cli/lsp.rs`) does not drive. Problems in imported files shown on the
//! import or its first use, with a link to the real place, and checked again when the imported
//! file is saved; hover on stage kinds, phase fields, settings, symbols, metrics and op names
//! in genotype strings; completion of stage kinds, members while the line does not parse,
//! overrides, metrics, genotype op names and values of a field; the outline; formatting;
//! closing; unknown requests; `exit` without `shutdown`; every request at every offset of
//! every `.nas` file of the repository.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

use nas_lsp::stdlib_files::StdlibFiles;
use nas_lsp::LspError;

struct Client {
    conn: Connection,
    server: JoinHandle<Result<(), LspError>>,
    seen: Vec<Message>,
    next: i32,
}

impl Client {
    fn start(scratch: &Path) -> Client {
        let (server, conn) = Connection::memory();
        let stdlib = StdlibFiles::in_folder(&scratch.join("cache"));
        let server = std::thread::spawn(move || nas_lsp::serve_with(server, stdlib));
        let mut c = Client {
            conn,
            server,
            seen: Vec::new(),
            next: 1,
        };
        c.request("initialize", json!({"capabilities": {}}));
        c.notify("initialized", json!({}));
        c
    }

    fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Notification::new(method.into(), params).into())
            .expect("send");
    }

    fn wait(&mut self, pred: impl Fn(&Message) -> bool) -> Message {
        if let Some(i) = self.seen.iter().position(&pred) {
            return self.seen.remove(i);
        }
        loop {
            match self.conn.receiver.recv_timeout(Duration::from_secs(60)) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.seen.push(m),
                Err(e) => panic!("no answer: {e}; seen {:?}", self.seen),
            }
        }
    }

    /// The whole response to a request (result or error).
    fn respond(&mut self, method: &str, params: Value) -> lsp_server::Response {
        let id = RequestId::from(self.next);
        self.next += 1;
        self.conn
            .sender
            .send(Request::new(id.clone(), method.into(), params).into())
            .expect("send");
        match self.wait(|m| matches!(m, Message::Response(r) if r.id == id)) {
            Message::Response(r) => r,
            _ => unreachable!(),
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        match self.respond(method, params).response_result {
            Ok(v) => v,
            Err(e) => panic!("{method}: {e:?}"),
        }
    }

    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let m = self.wait(|m| {
            matches!(m, Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri)
        });
        match m {
            Message::Notification(n) => n.params["diagnostics"].as_array().expect("list").clone(),
            _ => unreachable!(),
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "nas", "version": 1, "text": text}}),
        );
        self.diagnostics(uri)
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        self.diagnostics(uri)
    }

    /// `method` at the cursor `‸` of `marked` (the document's text is `marked` without it).
    fn at(&mut self, method: &str, uri: &str, marked: &str) -> Value {
        let offset = marked.find(CURSOR).expect("a cursor");
        let before = &marked[..offset];
        let line = before.matches('\n').count();
        let col = before
            .rsplit('\n')
            .next()
            .unwrap_or("")
            .encode_utf16()
            .count();
        self.request(
            method,
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col}}),
        )
    }

    fn finish(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let r = self.server.join().expect("the server thread");
        assert_eq!(r, Ok(()));
    }
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nas-lsp-it-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch");
    d
}

fn clean(d: &Path) {
    let _ = std::process::Command::new("chmod")
        .arg("-R")
        .arg("u+w")
        .arg(d)
        .status();
    let _ = std::fs::remove_dir_all(d);
}

fn uri(p: &Path) -> String {
    nas_lsp::uri::from_path(p)
        .expect("absolute")
        .as_str()
        .to_string()
}

fn hover(c: &mut Client, uri: &str, marked: &str) -> String {
    let h = c.at("textDocument/hover", uri, marked);
    h["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["label"].as_str())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn problems_of_imported_files_show_where_the_document_uses_them() {
    let d = scratch("foreign");
    std::fs::write(d.join("broken.nas"), "let a = (1,\n").expect("write");
    std::fs::write(
        d.join("opts.nas"),
        "/// Too fast.\nlet bad = sgd(lr = -1)\n",
    )
    .expect("write");
    let doc = d.join("main.nas");
    let text = "import broken\nimport opts\n\nlet o = opts.bad\n";
    std::fs::write(&doc, text).expect("write");
    let u = uri(&doc);
    let mut c = Client::start(&d);
    let diags = c.open(&u, text);
    let syntax = diags
        .iter()
        .find(|x| x["code"] == "nas::syntax::unexpected")
        .unwrap_or_else(|| panic!("{diags:#?}"));
    // on the import that loads the broken module, linked to the module's line
    assert_eq!(syntax["range"]["start"]["line"], 0, "{syntax}");
    let rel = &syntax["relatedInformation"][0]["location"];
    assert_eq!(rel["uri"], uri(&d.join("broken.nas")), "{syntax}");
    let range = diags
        .iter()
        .find(|x| x["code"] == "nas::check::out_of_range")
        .unwrap_or_else(|| panic!("{diags:#?}"));
    // on the use of the definition, `opts.bad`, line 3
    assert_eq!(
        range["range"]["start"],
        json!({"line": 3, "character": 8}),
        "{range}"
    );
    assert_eq!(range["range"]["end"], json!({"line": 3, "character": 16}));
    let rel = &range["relatedInformation"][0]["location"];
    assert_eq!(rel["uri"], uri(&d.join("opts.nas")));
    assert_eq!(rel["range"]["start"]["line"], 1);
    assert!(
        range["message"]
            .as_str()
            .is_some_and(|m| m.contains("opts.nas:2:")),
        "{range}"
    );
    // closing clears them
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}));
    assert!(c.diagnostics(&u).is_empty());
    c.finish();
    clean(&d);
}

#[test]
fn saving_a_module_checks_the_documents_that_import_it_again() {
    let d = scratch("save");
    let lib = d.join("lib.nas");
    std::fs::write(&lib, "let a = 1\n").expect("write");
    let main = d.join("main.nas");
    let text = "import lib\nlet x = lib.b\n";
    let (lib_uri, main_uri) = (uri(&lib), uri(&main));
    let mut c = Client::start(&d);
    let diags = c.open(&main_uri, text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["code"], "nas::resolve::unknown_member");
    let lib_text = "let a = 1\nlet b = 2\n";
    c.open(&lib_uri, "let a = 1\n");
    c.change(&lib_uri, 2, lib_text);
    std::fs::write(&lib, lib_text).expect("write");
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": lib_uri}}),
    );
    assert!(c.diagnostics(&main_uri).is_empty());
    c.finish();
    clean(&d);
}

const PIPE: &str = "import std.spaces.darts\nimport std.spaces.nb201\nimport std.data\nimport std.augment\n\npipeline p {\n  data = data.digits()\n  space = darts.cifar(cells = 4, channels = 8, ops = darts.sswp_ops, alpha = per_cell)\n  views = augment.simclr(data)\n  stage search: ssl_search {\n    objective = simclr\n    batch = 32\n    weights = sgd(lr = 0.025, schedule = cosine)\n    arch = adam(lr = 1e-3)\n    phase warm { epochs = 1, arch = frozen }\n    phase go { max_epochs = 3, when loss < 0.5 }\n  }\n  stage d: derive after search\n}\n";

/// Where a request is made in a marked text (not `|`, which NAS-Bench-201 strings use).
const CURSOR: char = '‸';

/// `text` with the cursor after the first character of the first `at`.
fn mark(text: &str, at: &str) -> String {
    let i = text.find(at).unwrap_or_else(|| panic!("{at}")) + 1;
    format!("{}{CURSOR}{}", &text[..i], &text[i..])
}

/// `text` with the cursor right after the first `before`.
fn after(text: &str, before: &str) -> String {
    let i = text.find(before).unwrap_or_else(|| panic!("{before}")) + before.len();
    format!("{}{CURSOR}{}", &text[..i], &text[i..])
}

#[test]
fn hover_knows_stage_kinds_fields_settings_symbols_and_metrics() {
    let d = scratch("hover");
    let doc = d.join("p.nas");
    let u = uri(&doc);
    let mut c = Client::start(&d);
    let diags = c.open(&u, PIPE);
    assert!(diags.is_empty(), "{diags:#?}");
    let h = hover(&mut c, &u, &mark(PIPE, " ssl_search"));
    assert!(
        h.contains("stage kind") && h.contains("search a supernet") && h.contains("`split`"),
        "{h}"
    );
    let h = hover(&mut c, &u, &mark(PIPE, " batch"));
    assert!(
        h.contains("field `batch` of the stage kind `ssl_search`") && h.contains("at least 1"),
        "{h}"
    );
    let h = hover(&mut c, &u, &mark(PIPE, " max_epochs"));
    assert!(h.contains("field `max_epochs` of a phase"), "{h}");
    let h = hover(&mut c, &u, &mark(PIPE, " loss"));
    assert!(h.contains("metric `loss`"), "{h}");
    let h = hover(&mut c, &u, &mark(PIPE, " per_cell"));
    assert!(
        h.contains("symbol `per_cell`") && h.contains("`alpha` of `darts_net`"),
        "{h}"
    );
    let h = hover(&mut c, &u, &mark(PIPE, " data = "));
    assert!(
        h.contains("setting of pipeline `p`") && h.contains("dataset every stage reads"),
        "{h}"
    );
    // the setting where it is used, and the stdlib definition it calls
    let h = hover(&mut c, &u, &mark(PIPE, "(data)"));
    assert!(h.contains("data = data.digits()"), "{h}");
    let h = hover(&mut c, &u, &mark(PIPE, ".digits"));
    assert!(
        h.contains("def digits(") && h.contains("scikit-learn"),
        "{h}"
    );
    let h = hover(&mut c, &u, &mark(PIPE, ".sswp_ops"));
    assert!(
        h.contains("a list of 7 ops") && h.contains("SSWP-NAS candidates"),
        "{h}"
    );
    let h = hover(&mut c, &u, &mark(PIPE, "nb201"));
    assert!(
        h.contains("module `std.spaces.nb201`") && h.contains("`ops`"),
        "{h}"
    );
    let h = hover(&mut c, &u, &after(PIPE, "after "));
    assert!(h.contains("stage `search`: `ssl_search`"), "{h}");
    // op names inside strings: a NAS-Bench-201 architecture, a DARTS genotype edge
    let genos = d.join("g.nas");
    let gu = uri(&genos);
    let g = "import std.spaces.nb201\nimport std.spaces.darts\n\
        let a = nb201.arch(\"|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|\")\n\
        let e = (\"dil_conv_5x5\", 0)\n";
    c.open(&gu, g);
    let h = hover(&mut c, &gu, &mark(g, "|nor_conv_3"));
    assert!(
        h.contains("named(\"nor_conv_3x3\", relu_conv_bn(3))")
            && h.contains("an op of `ops` in `std.spaces.nb201`"),
        "{h}"
    );
    let h = hover(&mut c, &gu, &mark(g, "\"dil_conv"));
    assert!(
        h.contains("op dil_conv_5x5 = dil_conv(5)") && h.contains("receptive field 9x9"),
        "{h}"
    );
    let def = c.at("textDocument/definition", &gu, &after(g, "+|"));
    assert!(
        def["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/std/spaces/nb201.nas")),
        "{def}"
    );

    // definition of a stage named after `after`, in the same file
    let def = c.at("textDocument/definition", &u, &after(PIPE, "after "));
    assert_eq!(def["uri"], u);
    assert_eq!(def["range"]["start"], json!({"line": 9, "character": 8}));
    c.finish();
    clean(&d);
}

#[test]
fn completion_while_typing() {
    let d = scratch("complete");
    let doc = d.join("p.nas");
    let u = uri(&doc);
    let mut c = Client::start(&d);
    assert!(c.open(&u, PIPE).is_empty());

    // a member, on a line that does not parse yet
    let typing = PIPE.replace(
        "  views = augment.simclr(data)\n",
        "  views = augment.simclr(data)\n  extra = darts.\n",
    );
    let diags = c.change(&u, 2, &typing);
    assert!(
        diags.iter().any(|x| x["code"] == "nas::syntax::unexpected"),
        "{diags:#?}"
    );
    let marked = after(&typing, "extra = darts.");
    let items = c.at("textDocument/completion", &u, &marked);
    let l = labels(&items);
    for want in ["sep_conv_3x3", "cifar", "sswp_ops", "skip_connect"] {
        assert!(l.contains(&want.to_string()), "{want} in {l:?}");
    }
    assert!(!l.contains(&"sgd".to_string()), "{l:?}");

    // an override: a stage's fields and phases, then a phase's fields
    let typing = PIPE.replace(
        "  stage d: derive after search\n",
        "  stage d: derive after search\n  search.\n",
    );
    c.change(&u, 3, &typing);
    let l = labels(&c.at("textDocument/completion", &u, &after(&typing, "  search.")));
    for want in ["steps_per_epoch", "sampler", "warm", "go"] {
        assert!(l.contains(&want.to_string()), "{want} in {l:?}");
    }
    let typing = typing.replace("  search.\n", "  search.warm.\n");
    c.change(&u, 4, &typing);
    let l = labels(&c.at(
        "textDocument/completion",
        &u,
        &after(&typing, "  search.warm."),
    ));
    assert!(
        l.contains(&"max_epochs".to_string()) && !l.contains(&"sampler".to_string()),
        "{l:?}"
    );

    // stage kinds after `stage NAME:`
    let typing = PIPE.replace(
        "  stage d: derive after search\n",
        "  stage d: derive after search\n  stage t: \n",
    );
    c.change(&u, 5, &typing);
    let items = c.at("textDocument/completion", &u, &after(&typing, "stage t: "));
    let l = labels(&items);
    for want in ["ssl_search", "derive", "finetune", "knn", "linear_eval"] {
        assert!(l.contains(&want.to_string()), "{want} in {l:?}");
    }
    assert_eq!(l.len(), nas_check::builtins::STAGES.len(), "{l:?}");

    // metrics in `when`
    let typing = PIPE.replace("when loss < 0.5", "when ");
    c.change(&u, 6, &typing);
    let l = labels(&c.at("textDocument/completion", &u, &after(&typing, "when ")));
    for want in ["loss", "alpha_entropy", "val_acc", "arch_stable"] {
        assert!(l.contains(&want.to_string()), "{want} in {l:?}");
    }

    // what a field accepts comes first: a schedule's constructors
    let marked = after(PIPE, "schedule = ");
    c.change(&u, 7, PIPE);
    let l = labels(&c.at("textDocument/completion", &u, &marked));
    assert_eq!(&l[..2], ["constant", "cosine"], "{l:?}");

    // op names of the imported spaces inside a genotype string
    let typing = format!("{PIPE}let g = nb201.arch(\"nor\n");
    c.change(&u, 8, &typing);
    let marked = after(&typing, "(\"nor");
    let l = labels(&c.at("textDocument/completion", &u, &marked));
    for want in [
        "nor_conv_3x3",
        "nor_conv_1x1",
        "avg_pool_3x3",
        "sep_conv_3x3",
    ] {
        assert!(l.contains(&want.to_string()), "{want} in {l:?}");
    }

    // a definition's parameters inside its call
    let l = labels(&c.at("textDocument/completion", &u, &after(PIPE, "darts.cifar(")));
    for want in ["channels", "ops", "alpha", "genotype"] {
        assert!(l.contains(&want.to_string()), "{want} in {l:?}");
    }
    c.finish();
    clean(&d);
}

#[test]
fn outline_formatting_and_requests_it_does_not_know() {
    let d = scratch("misc");
    let doc = d.join("p.nas");
    let u = uri(&doc);
    let mut c = Client::start(&d);
    c.open(&u, PIPE);
    let syms = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    let names: Vec<&str> = syms
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "std.spaces.darts",
            "std.spaces.nb201",
            "std.data",
            "std.augment",
            "p"
        ]
    );
    let kids: Vec<&str> = syms[4]["children"]
        .as_array()
        .expect("kids")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(kids, ["data", "space", "views", "search", "d"]);

    // formatting: one edit over the whole text; none when formatted; null on a syntax error
    let ugly = "let  a=1\nlet b = [1,2]\n";
    c.change(&u, 2, ugly);
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits[0]["newText"], "let a = 1\n\nlet b = [1, 2]\n");
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    assert_eq!(edits[0]["range"]["end"], json!({"line": 2, "character": 0}));
    c.change(&u, 3, "let a = 1\n\nlet b = [1, 2]\n");
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits, json!([]));
    c.change(&u, 4, "let a = (1,\n");
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": u}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits, Value::Null);

    let r = c.respond("textDocument/rename", json!({}));
    assert_eq!(
        r.response_result.err().map(|e| e.code),
        Some(lsp_server::ErrorCode::MethodNotFound as i32)
    );
    c.finish();
    clean(&d);
}

#[test]
fn exit_without_shutdown_is_a_protocol_error() {
    let d = scratch("exit");
    let c = Client::start(&d);
    c.notify("exit", Value::Null);
    let r = c.server.join().expect("the server thread");
    assert!(matches!(r, Err(LspError::Protocol { .. })), "{r:?}");
    clean(&d);
}

/// Every `.nas` file of the repository (examples, the standard library, the golden cases).
fn repository_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    let mut todo = vec![
        root.join("examples"),
        root.join("stdlib"),
        root.join("tests/data"),
    ];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("a folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "nas") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Hover, definition and completion at every offset of every file answer without a panic
/// (and without endless recursion: a cycle of names would overflow the stack and abort).
#[test]
fn every_offset_of_every_repository_file_answers() {
    use nas_lsp::analysis::Analysis;
    use nas_lsp::completion::{self, context};
    let files = repository_files();
    assert!(files.len() > 20, "{files:?}");
    let opts = nas_check::resolve::LoadOptions::default();
    let mut hovers = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // the invalid-UTF-8 golden case
        };
        let dir = path.parent().expect("a folder");
        let an = Analysis::load(&path.display().to_string(), &text, dir, &opts);
        let range = lsp_types::Range::default();
        for offset in (0..=text.len()).filter(|o| text.is_char_boundary(*o)) {
            if let Some(t) = an.target_at(offset) {
                assert!(
                    !nas_lsp::hover::markdown(&an, t).is_empty(),
                    "{path:?} at {offset}"
                );
                let _ = an.definition_span(t);
                hovers += 1;
            }
            if offset % 5 == 0 {
                let d = context::detect(&text, offset);
                let _ = completion::items(&an, &d, range);
            }
        }
    }
    assert!(hovers > 10_000, "{hovers}");
}
