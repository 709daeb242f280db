//! `file://` URIs to paths and back (RFC 8089, as editors write them).
//!
//! Contract: [`to_path`] accepts `file:` URIs with an empty or `localhost` authority and
//! percent-decodes the path (a query or fragment is ignored); anything else (`untitled:`,
//! a remote host) has no path. [`from_path`] writes an absolute path with every byte other
//! than the unreserved characters and `/` percent-encoded, which every client reads back.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The local file a URI names, if it names one.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s
        .strip_prefix("file://")
        .or_else(|| s.strip_prefix("FILE://"))?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let slash = rest.find('/')?;
    let authority = &rest[..slash];
    if !(authority.is_empty() || authority.eq_ignore_ascii_case("localhost")) {
        return None;
    }
    let bytes = decode(&rest[slash..])?;
    path_from_bytes(bytes)
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    let s = String::from_utf8(bytes).ok()?;
    // `/C:/x` is the path `C:/x`
    let s = match s.as_bytes() {
        [b'/', d, b':', ..] if d.is_ascii_alphabetic() => s[1..].to_string(),
        _ => s,
    };
    Some(PathBuf::from(s))
}

/// The `file://` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    if !path.is_absolute() {
        return None;
    }
    let text = path.to_str()?.replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) || (b == b':' && cfg!(windows)) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

fn decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        Uri::from_str(s).expect("a URI")
    }

    #[test]
    fn paths_round_trip_through_uris() {
        for p in ["/tmp/a.nas", "/tmp/with space/é #1%.nas", "/"] {
            let u = from_path(Path::new(p)).expect("absolute");
            assert_eq!(to_path(&u).as_deref(), Some(Path::new(p)), "{}", u.as_str());
        }
        let u = from_path(Path::new("/tmp/with space/a.nas")).expect("absolute");
        assert_eq!(u.as_str(), "file:///tmp/with%20space/a.nas");
        assert!(from_path(Path::new("relative.nas")).is_none());
    }

    #[test]
    fn what_editors_send_is_read() {
        assert_eq!(
            to_path(&uri("file:///home/me/x%3Ay.nas")),
            Some(PathBuf::from("/home/me/x:y.nas"))
        );
        assert_eq!(
            to_path(&uri("file://localhost/a/b.nas")),
            Some(PathBuf::from("/a/b.nas"))
        );
        assert_eq!(
            to_path(&uri("file:///a/b.nas#L3")),
            Some(PathBuf::from("/a/b.nas"))
        );
        assert_eq!(to_path(&uri("untitled:Untitled-1")), None);
        assert_eq!(to_path(&uri("file://server/share/x.nas")), None);
    }
}
