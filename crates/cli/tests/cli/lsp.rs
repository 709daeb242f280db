//! `nas lsp` driven as an editor drives it: JSON-RPC over the binary's stdin and stdout with
//! `Content-Length` framing. Initialize; open a file with two errors and get both coded
//! diagnostics (at the right UTF-16 columns); fix one and get one; hover over `sgd` and over
//! a standard op; go to the definition of `darts.cifar` (the read-only copy of the standard
//! library, at the `def` line); complete the fields inside `ssl_search { ... }`; shut down and
//! exit with 0. Also: the keystroke-to-diagnostics round trip on a 200-line file, printed as
//! a figure (not asserted), and the coded report when the input ends before `initialize`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long any one answer may take before the test gives up (a hung server fails, it does
/// not hang the suite).
const PATIENCE: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: mpsc::Receiver<Value>,
    /// Messages read while waiting for another.
    seen: Vec<Value>,
    next_id: i64,
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn start(cache: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nas"))
            .arg("lsp")
            .arg("--stdio")
            .current_dir(crate::support::at_root())
            .env("XDG_CACHE_HOME", cache)
            .env_remove("NAS_PATH")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nas lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(v) = read_message(&mut r) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            seen: Vec::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, v: &Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The first message (already seen or still to come) that `pred` accepts.
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&pred) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(v) if pred(&v) => return v,
                Ok(v) => self.seen.push(v),
                Err(_) => panic!("no {what} from nas lsp; got {:?}", self.seen),
            }
        }
    }

    /// Send a request and wait for its result.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let resp = self.wait_for(method, |v| v["id"] == json!(id));
        assert!(resp.get("error").is_none(), "{method}: {resp}");
        resp["result"].clone()
    }

    /// The diagnostics published for `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let v = self.wait_for("diagnostics", |v| {
            v["method"] == "textDocument/publishDiagnostics"
                && v["params"]["uri"] == uri
                && v["params"]["version"] == version
        });
        v["params"]["diagnostics"]
            .as_array()
            .expect("a list")
            .clone()
    }

    fn at(&self, uri: &str, text: &str, marker: &str) -> Value {
        let offset = text.find(marker).unwrap_or_else(|| panic!("{marker}")) + 1;
        json!({"textDocument": {"uri": uri}, "position": position(text, offset)})
    }

    /// Shut down, exit, and return the exit code and stderr.
    fn finish(mut self) -> (Option<i32>, String) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("nas lsp did not exit after `exit`");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (status.code(), err)
    }
}

/// The LSP position (line, UTF-16 column) of byte `offset` of `text`, counted independently
/// of the server.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col: usize = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    json!({"line": line, "character": col})
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nas-lsp-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("cache")).expect("scratch");
    d
}

fn file_uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// Remove a scratch folder holding read-only files.
fn clean(d: &Path) {
    let _ = Command::new("chmod").arg("-R").arg("u+w").arg(d).status();
    let _ = std::fs::remove_dir_all(d);
}

/// A pipeline with two errors: a negative temperature, and a string as a learning rate (after
/// a comment with characters outside the BMP, so UTF-16 columns differ from bytes and
/// characters).
const BROKEN: &str = r#"import std.spaces.darts
import std.augment
import std.data

/// Extra ops for a later experiment.
let extra = [darts.sep_conv_3x3, darts.skip_connect]

pipeline search_digits(epochs: int = 6) {
  data = data.digits()
  seed = 7
  space = darts.cifar(cells = 4, channels = 8, ops = darts.sswp_ops, alpha = per_cell)
  views = augment.simclr(data)

  stage search: ssl_search {
    objective = simclr(temperature = -1, head = mlp(128, 128))
    sampler = two_path(skip_drop = 0.2)
    batch = 32
    weights = sgd(momentum = 0.9 /* é𝔸 */, lr = "fast")
    arch = adam(lr = 1e-3, betas = (0.0, 0.999), every = 5)
    epochs = epochs
    steps_per_epoch = 10
    phase warmup { epochs = 20% of epochs, arch = frozen }
    phase search { epochs = 40% of epochs }
    phase freeze { epochs = epochs - 20% of epochs - 40% of epochs, freeze = cells(forward) }
  }
  stage derive: derive { edges_per_node = 2, max_skip = 2, max_pool = 2 } after search
  stage tune: finetune(labels = 10%, epochs = 3) after derive
}
"#;

fn codes(diags: &[Value]) -> Vec<&str> {
    let mut c: Vec<&str> = diags.iter().filter_map(|d| d["code"].as_str()).collect();
    c.sort_unstable();
    c
}

#[test]
fn an_editor_session() {
    let d = scratch("session");
    let cache = d.join("cache");
    let path = d.join("search.nas");
    std::fs::write(&path, BROKEN).expect("write");
    let uri = file_uri(&path);
    let mut c = Client::start(&cache);

    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let caps = &init["capabilities"];
    assert_eq!(caps["hoverProvider"], true, "{init}");
    assert_eq!(caps["definitionProvider"], true);
    assert_eq!(caps["documentFormattingProvider"], true);
    assert_eq!(caps["textDocumentSync"]["change"], 1);
    assert_eq!(init["serverInfo"]["name"], "nas");
    c.notify("initialized", json!({}));

    // two errors, both with their codes, the help in the message
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "nas", "version": 1, "text": BROKEN}}),
    );
    let diags = c.diagnostics(&uri, 1);
    assert_eq!(
        codes(&diags),
        ["nas::check::out_of_range", "nas::check::type_mismatch"],
        "{diags:#?}"
    );
    let lr = diags
        .iter()
        .find(|d| d["code"] == "nas::check::type_mismatch")
        .expect("the lr error");
    let fast = BROKEN.find("\"fast\"").expect("fast");
    assert_eq!(lr["range"]["start"], position(BROKEN, fast), "{lr}");
    assert_eq!(
        lr["range"]["end"],
        position(BROKEN, fast + "\"fast\"".len())
    );
    assert_eq!(lr["severity"], 1);
    assert_eq!(lr["source"], "nas");

    // fix one: one is left
    let fixed = BROKEN.replace("lr = \"fast\"", "lr = 0.025");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    let diags = c.diagnostics(&uri, 2);
    assert_eq!(codes(&diags), ["nas::check::out_of_range"], "{diags:#?}");
    let labels = &diags[0];
    assert!(
        labels["message"]
            .as_str()
            .is_some_and(|m| m.contains("help:")),
        "{labels}"
    );

    // hover: a builtin constructor, a field of it, and a standard op with its `///` doc
    let h = c.request("textDocument/hover", c.at(&uri, &fixed, " sgd("));
    let text = h["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("SGD with momentum"), "{h}");
    assert!(text.contains("`momentum`"), "{h}");
    let h = c.request("textDocument/hover", c.at(&uri, &fixed, "(momentum"));
    let text = h["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        text.contains("field `momentum` of `sgd`") && text.contains("0.9"),
        "{h}"
    );
    let h = c.request("textDocument/hover", c.at(&uri, &fixed, ".sep_conv_3x3"));
    let text = h["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        text.contains("op sep_conv_3x3 = sep_conv(3)")
            && text.contains("3x3 separable convolution."),
        "{h}"
    );
    assert!(text.contains("std.spaces.darts"), "{h}");

    // go to the definition of darts.cifar: the stdlib copy, at its `def` line
    let def = c.request("textDocument/definition", c.at(&uri, &fixed, ".cifar("));
    let target = def["uri"].as_str().expect("a location");
    assert!(target.starts_with(&file_uri(&cache)), "{def}");
    assert!(target.ends_with("/std/spaces/darts.nas"), "{def}");
    let copy = PathBuf::from(target.trim_start_matches("file://"));
    let std_text = std::fs::read_to_string(&copy).expect("the copy exists");
    assert_eq!(
        std_text,
        std::fs::read_to_string("stdlib/spaces/darts.nas").expect("stdlib")
    );
    let def_line = std_text
        .lines()
        .position(|l| l.starts_with("def cifar("))
        .expect("def cifar");
    assert_eq!(def["range"]["start"]["line"], def_line, "{def}");
    assert!(std::fs::metadata(&copy)
        .expect("meta")
        .permissions()
        .readonly());

    // complete the fields inside `ssl_search { ... }`, on a new line
    let typing = fixed.replace("    batch = 32\n", "    batch = 32\n    \n");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": typing}]}),
    );
    let _ = c.diagnostics(&uri, 3);
    let at = typing.find("batch = 32\n    \n").expect("the blank line") + "batch = 32\n    ".len();
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": position(&typing, at)}),
    );
    let labels: Vec<&str> = items
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    for want in ["split", "steps_per_epoch", "space", "views", "phase"] {
        assert!(labels.contains(&want), "{want} in {labels:?}");
    }
    // fields already given are not offered again; fields of other things are not offered
    for not in ["batch", "objective", "lr", "labels"] {
        assert!(!labels.contains(&not), "{not} in {labels:?}");
    }

    let (code, stderr) = c.finish();
    assert_eq!(code, Some(0), "{stderr}");
    clean(&d);
}

/// `BROKEN` fixed, its pipeline repeated under other names and definitions added: 200 lines.
fn two_hundred_lines() -> String {
    let fixed = BROKEN
        .replace("lr = \"fast\"", "lr = 0.025")
        .replace("temperature = -1", "temperature = 0.07");
    let (head, pipeline) = fixed.split_at(fixed.find("pipeline").expect("pipeline"));
    let mut text = head.to_string();
    for i in 0..5 {
        text.push_str(&pipeline.replace("search_digits", &format!("search_{i}")));
        text.push('\n');
    }
    let mut i = 0;
    while text.lines().count() + 2 <= 200 {
        text.push_str(&format!(
            "/// Optimiser {i}.\nlet opt_{i} = sgd(lr = 0.0{i}5, momentum = 0.9, schedule = cosine)\n"
        ));
        i += 1;
    }
    if text.lines().count() < 200 {
        text.push_str("// the end\n");
    }
    text
}

#[test]
fn keystroke_to_diagnostics_on_200_lines() {
    let d = scratch("bench");
    let path = d.join("big.nas");
    let text = two_hundred_lines();
    assert_eq!(text.lines().count(), 200);
    std::fs::write(&path, &text).expect("write");
    let uri = file_uri(&path);
    let mut c = Client::start(&d.join("cache"));
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "nas", "version": 1, "text": text}}),
    );
    assert_eq!(c.diagnostics(&uri, 1), Vec::<Value>::new());
    let mut times = Vec::new();
    for v in 2..22 {
        // one keystroke: the seed of the first pipeline changes
        let edited = text.replacen("seed = 7", &format!("seed = {v}"), 1);
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": edited}]}),
        );
        let diags = c.diagnostics(&uri, v);
        times.push(t.elapsed());
        assert!(diags.is_empty(), "{diags:#?}");
    }
    times.sort();
    println!(
        "nas lsp: keystroke to diagnostics on a 200-line file ({} bytes, 5 pipelines): median {:.1} ms, max {:.1} ms over {} edits",
        text.len(),
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        times.len()
    );
    let (code, stderr) = c.finish();
    assert_eq!(code, Some(0), "{stderr}");
    clean(&d);
}

#[test]
fn input_that_ends_before_initialize_is_a_coded_error() {
    let o = crate::nas()
        .arg("lsp")
        .stdin(Stdio::null())
        .output()
        .expect("run nas lsp");
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    insta::assert_snapshot!("lsp_no_input", String::from_utf8_lossy(&o.stderr));
}
