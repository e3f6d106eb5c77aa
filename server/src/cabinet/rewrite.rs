//! The cabinet's addresses as the browser must see them: every absolute address of the exchange's
//! cabinet becomes a path under `/cabinet` on Hauler (its WebSocket addresses, Hauler's own
//! `ws(s)://`), in redirects, cookies, HTML attributes, inline scripts and styles, CSS `url()`,
//! and JavaScript and JSON string literals (also JSON's `\/`-escaped form).
//!
//! Bodies are rewritten as they stream: HTML through lol_html, text by swapping literals with a
//! carry of at most the longest literal's length between chunks, so a 5 MB page is never held.

use std::sync::{Arc, Mutex};

use lol_html::{
    OutputSink, element,
    html_content::ContentType,
    send::{HtmlRewriter, Settings},
    text,
};

use super::{COOKIE, PREFIX};

/// The cabinet's origin as the exchange serves it.
#[derive(Debug, Clone)]
pub struct Upstream {
    /// `http://host:port/path`, no trailing slash.
    base: String,
    /// `/path`, or empty when the cabinet is at the host's root.
    path: String,
    /// `ws://host:port/path` (`wss://` for https).
    ws_base: String,
}

impl Upstream {
    pub fn parse(base: &str) -> Option<Self> {
        let base = base.trim_end_matches('/');
        let (scheme, rest) = base.split_once("://")?;
        let ws_scheme = match scheme {
            "http" => "ws",
            "https" => "wss",
            _ => return None,
        };
        let (host, path) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        };
        if host.is_empty() {
            return None;
        }
        Some(Self {
            base: base.to_owned(),
            path: path.to_owned(),
            ws_base: format!("{ws_scheme}://{host}{path}"),
        })
    }

    /// The exchange's address of a cabinet path (`rest` without its leading `/`).
    pub fn url(&self, rest: &str, query: Option<&str>) -> String {
        match query.filter(|query| !query.is_empty()) {
            Some(query) => format!("{}/{rest}?{query}", self.base),
            None => format!("{}/{rest}", self.base),
        }
    }

    pub fn ws_url(&self, rest: &str, query: Option<&str>) -> String {
        match query.filter(|query| !query.is_empty()) {
            Some(query) => format!("{}/{rest}?{query}", self.ws_base),
            None => format!("{}/{rest}", self.ws_base),
        }
    }

    /// The cabinet's origin (`scheme://host`), what its pages send as `Origin`.
    pub fn origin(&self) -> &str {
        &self.base[..self.base.len() - self.path.len()]
    }
}

/// The rewriting for one request: the upstream, and Hauler's own WebSocket origin as this
/// browser reached it (`ws://host` or `wss://host`).
#[derive(Debug, Clone)]
pub struct Addresses {
    upstream: Upstream,
    ws_public: String,
    /// The browser reached Hauler over https: cookies may stay `Secure`.
    secure: bool,
}

impl Addresses {
    pub fn new(upstream: Upstream, public_host: &str, secure: bool) -> Self {
        let scheme = if secure { "wss" } else { "ws" };
        Self {
            upstream,
            ws_public: format!("{scheme}://{public_host}"),
            secure,
        }
    }

    /// An address in an attribute or a `Location`: Hauler's own when it is the cabinet's.
    pub fn url(&self, value: &str) -> Option<String> {
        let value = value.trim();
        let under = |rest: &str| {
            (rest.is_empty() || rest.starts_with(['/', '?', '#'])).then(|| {
                let rest = if rest.is_empty() { "/" } else { rest };
                rest.to_owned()
            })
        };
        if let Some(rest) = strip_prefix_ignoring_case(value, &self.upstream.base) {
            return under(rest).map(|rest| format!("{PREFIX}{rest}"));
        }
        if let Some(rest) = strip_prefix_ignoring_case(value, &self.upstream.ws_base) {
            return under(rest).map(|rest| format!("{}{PREFIX}{rest}", self.ws_public));
        }
        let scheme_relative = self.upstream.base.split_once("://").map(|(_, rest)| rest)?;
        if let Some(rest) = value
            .strip_prefix("//")
            .and_then(|value| strip_prefix_ignoring_case(value, scheme_relative))
        {
            return under(rest).map(|rest| format!("{PREFIX}{rest}"));
        }
        if value.starts_with('/') && !value.starts_with("//") {
            if self.upstream.path.is_empty() {
                return Some(format!("{PREFIX}{value}"));
            }
            return value
                .strip_prefix(self.upstream.path.as_str())
                .and_then(under)
                .map(|rest| format!("{PREFIX}{rest}"));
        }
        None
    }

    /// A `srcset`: each candidate's address rewritten, its size kept.
    fn srcset(&self, value: &str) -> String {
        value
            .split(',')
            .map(|candidate| {
                let candidate = candidate.trim();
                let (address, size) = candidate.split_once(' ').unwrap_or((candidate, ""));
                let address = self.url(address).unwrap_or_else(|| address.to_owned());
                if size.is_empty() {
                    address
                } else {
                    format!("{address} {size}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The exchange's cookie as Hauler sets it: scoped to `/cabinet` on Hauler's own host (no
    /// `Domain`), `Secure` only over https; `None` for a cookie that would shadow the pass's.
    pub fn set_cookie(&self, value: &str) -> Option<String> {
        let mut attributes = value.split(';').map(str::trim);
        let pair = attributes.next()?;
        let name = pair.split('=').next()?.trim();
        if name.is_empty() || name.eq_ignore_ascii_case(COOKIE) {
            return None;
        }
        let mut kept = vec![pair.to_owned()];
        let mut path = None;
        for attribute in attributes {
            let (key, setting) = attribute.split_once('=').unwrap_or((attribute, ""));
            match key.trim().to_ascii_lowercase().as_str() {
                "domain" | "" => {}
                "path" => path = Some(setting.trim().to_owned()),
                "secure" if !self.secure => {}
                "samesite" if !self.secure && setting.trim().eq_ignore_ascii_case("none") => {
                    kept.push("SameSite=Lax".into());
                }
                _ => kept.push(attribute.to_owned()),
            }
        }
        let path = match path {
            None => PREFIX.to_owned(),
            Some(path) if self.upstream.path.is_empty() => {
                format!("{PREFIX}{}", path.trim_end_matches('/'))
            }
            Some(path) => match path.strip_prefix(self.upstream.path.as_str()) {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                    format!("{PREFIX}{}", rest.trim_end_matches('/'))
                }
                _ => PREFIX.to_owned(),
            },
        };
        kept.push(format!("Path={path}"));
        Some(kept.join("; "))
    }

    /// Hauler's address of the exchange's `Referer`/`Origin` in reverse: what the cabinet
    /// expects to see from its own pages.
    pub fn to_upstream(&self, value: &str) -> Option<String> {
        let (_, rest) = value.split_once("://")?;
        let path = rest.find('/').map_or("", |at| &rest[at..]);
        let rest = path.strip_prefix(PREFIX)?;
        Some(format!("{}{rest}", self.upstream.base))
    }

    /// The cabinet's origin, what its own pages send as `Origin`.
    pub fn origin(&self) -> &str {
        self.upstream.origin()
    }

    /// The literals swapped in text bodies, the longest first.
    pub fn literals(&self) -> Literals {
        let base = &self.upstream.base;
        let ws = &self.upstream.ws_base;
        let escaped = |text: &str| text.replace('/', "\\/");
        let public_ws = format!("{}{PREFIX}", self.ws_public);
        let mut pairs = vec![
            (escaped(ws), escaped(&public_ws)),
            (escaped(base), escaped(PREFIX)),
            (ws.clone(), public_ws),
            (base.clone(), PREFIX.to_owned()),
        ];
        pairs.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        Literals(Arc::new(
            pairs
                .into_iter()
                .map(|(from, to)| (from.into_bytes(), to.into_bytes()))
                .collect(),
        ))
    }
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// The literal pairs a text body is rewritten with.
#[derive(Debug, Clone)]
pub struct Literals(Arc<Vec<(Vec<u8>, Vec<u8>)>>);

impl Literals {
    fn longest(&self) -> usize {
        self.0.iter().map(|(from, _)| from.len()).max().unwrap_or(0)
    }

    /// Swaps every literal in `text` (all of it at hand).
    pub fn apply(&self, text: &str) -> String {
        let (swapped, _) = self.swap(text.as_bytes(), true);
        String::from_utf8(swapped).unwrap_or_else(|_| text.to_owned())
    }

    /// Swaps what can be swapped for sure; returns the output and how much of `input` it used
    /// (the rest may begin a literal that the next chunk completes).
    fn swap(&self, input: &[u8], last: bool) -> (Vec<u8>, usize) {
        let safe = if last {
            input.len()
        } else {
            input.len().saturating_sub(self.longest().saturating_sub(1))
        };
        let mut out = Vec::with_capacity(input.len());
        let mut at = 0;
        while at < safe {
            let byte = input[at];
            if let Some((from, to)) = self
                .0
                .iter()
                .find(|(from, _)| from[0] == byte && input[at..].starts_with(from))
            {
                out.extend_from_slice(to);
                at += from.len();
            } else {
                out.push(byte);
                at += 1;
            }
        }
        (out, at)
    }
}

/// A body rewritten as it streams.
pub trait Rewrite: Send {
    fn push(&mut self, chunk: &[u8]) -> Vec<u8>;
    fn finish(&mut self) -> Vec<u8>;
}

/// CSS, JavaScript, JSON: the literals swapped, at most one literal's length held back.
pub struct TextRewrite {
    literals: Literals,
    carry: Vec<u8>,
}

impl TextRewrite {
    pub fn new(literals: Literals) -> Self {
        Self {
            literals,
            carry: Vec::new(),
        }
    }
}

impl Rewrite for TextRewrite {
    fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut input = std::mem::take(&mut self.carry);
        input.extend_from_slice(chunk);
        let (out, used) = self.literals.swap(&input, false);
        self.carry = input[used..].to_vec();
        out
    }

    fn finish(&mut self) -> Vec<u8> {
        let input = std::mem::take(&mut self.carry);
        self.literals.swap(&input, true).0
    }
}

/// Where lol_html writes: a buffer the stream drains after every chunk.
struct Sink(Arc<Mutex<Vec<u8>>>);

impl OutputSink for Sink {
    fn handle_chunk(&mut self, chunk: &[u8]) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(chunk);
    }
}

/// HTML through lol_html: URL attributes, inline styles, and inline scripts and style sheets
/// (each held until its element's text ends, then swapped as text).
pub struct HtmlRewrite {
    rewriter: Option<HtmlRewriter<'static, Sink>>,
    out: Arc<Mutex<Vec<u8>>>,
}

const URL_ATTRIBUTES: [&str; 6] = ["href", "src", "action", "formaction", "poster", "data"];

impl HtmlRewrite {
    pub fn new(addresses: Arc<Addresses>) -> Self {
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut handlers = Vec::new();
        for attribute in URL_ATTRIBUTES {
            let addresses = Arc::clone(&addresses);
            handlers.push(element!(format!("[{attribute}]"), move |element| {
                if let Some(value) = element.get_attribute(attribute)
                    && let Some(rewritten) = addresses.url(&value)
                {
                    element.set_attribute(attribute, &rewritten)?;
                }
                Ok(())
            }));
        }
        let for_srcset = Arc::clone(&addresses);
        handlers.push(element!("[srcset]", move |element| {
            if let Some(value) = element.get_attribute("srcset") {
                element.set_attribute("srcset", &for_srcset.srcset(&value))?;
            }
            Ok(())
        }));
        let literals = addresses.literals();
        let for_style = literals.clone();
        handlers.push(element!("[style]", move |element| {
            if let Some(value) = element.get_attribute("style") {
                element.set_attribute("style", &for_style.apply(&value))?;
            }
            Ok(())
        }));
        let mut pending = String::new();
        handlers.push(text!("script, style", move |chunk| {
            pending.push_str(chunk.as_str());
            if chunk.last_in_text_node() {
                chunk.replace(&literals.apply(&pending), ContentType::Html);
                pending.clear();
            } else {
                chunk.remove();
            }
            Ok(())
        }));
        let settings = handlers.into_iter().fold(
            Settings::new_send(),
            Settings::append_element_content_handler,
        );
        Self {
            rewriter: Some(HtmlRewriter::new(settings, Sink(Arc::clone(&out)))),
            out,
        }
    }

    fn drain(&self) -> Vec<u8> {
        std::mem::take(&mut *self.out.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Rewrite for HtmlRewrite {
    fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        match self.rewriter.as_mut().map(|rewriter| rewriter.write(chunk)) {
            Some(Ok(())) => self.drain(),
            Some(Err(error)) => {
                // A page lol_html cannot parse goes on as it came rather than not at all.
                tracing::warn!(%error, "a cabinet page could not be rewritten");
                self.rewriter = None;
                let mut out = self.drain();
                out.extend_from_slice(chunk);
                out
            }
            None => chunk.to_vec(),
        }
    }

    fn finish(&mut self) -> Vec<u8> {
        if let Some(rewriter) = self.rewriter.take()
            && let Err(error) = rewriter.end()
        {
            tracing::warn!(%error, "a cabinet page could not be rewritten to its end");
        }
        self.drain()
    }
}

/// What a response body is, for rewriting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Html,
    Text,
    Opaque,
}

impl BodyKind {
    pub fn of(content_type: Option<&str>) -> Self {
        let Some(content_type) = content_type else {
            return Self::Opaque;
        };
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "text/html" | "application/xhtml+xml" => Self::Html,
            "text/css"
            | "text/javascript"
            | "application/javascript"
            | "application/x-javascript"
            | "application/json"
            | "text/json" => Self::Text,
            other if other.ends_with("+json") => Self::Text,
            _ => Self::Opaque,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses() -> Addresses {
        Addresses::new(
            Upstream::parse("http://ex.test:81/sandbox/cargotech/cabinet").unwrap(),
            "hauler.test",
            false,
        )
    }

    #[test]
    fn the_cabinets_addresses_become_haulers() {
        let a = addresses();
        assert_eq!(
            a.url("http://ex.test:81/sandbox/cargotech/cabinet/loads?x=1")
                .as_deref(),
            Some("/cabinet/loads?x=1")
        );
        assert_eq!(
            a.url("http://ex.test:81/sandbox/cargotech/cabinet")
                .as_deref(),
            Some("/cabinet/")
        );
        assert_eq!(
            a.url("/sandbox/cargotech/cabinet/a").as_deref(),
            Some("/cabinet/a")
        );
        assert_eq!(
            a.url("ws://ex.test:81/sandbox/cargotech/cabinet/live")
                .as_deref(),
            Some("ws://hauler.test/cabinet/live")
        );
        assert_eq!(a.url("https://elsewhere.test/x"), None);
        assert_eq!(a.url("http://ex.test:81/sandbox/cargotech/cabinetry"), None);
        assert_eq!(a.url("loads/2"), None);
    }

    #[test]
    fn cookies_are_scoped_to_the_cabinet_on_haulers_host() {
        let a = addresses();
        assert_eq!(
            a.set_cookie("ct=1; Domain=ex.test; Path=/sandbox/cargotech/cabinet/x; Secure; HttpOnly; SameSite=None")
                .as_deref(),
            Some("ct=1; HttpOnly; SameSite=Lax; Path=/cabinet/x")
        );
        assert_eq!(a.set_cookie("ct=1").as_deref(), Some("ct=1; Path=/cabinet"));
        assert_eq!(
            a.set_cookie("ct=1; path=/"),
            Some("ct=1; Path=/cabinet".into())
        );
        assert_eq!(a.set_cookie("hauler_cabinet=forged; Path=/"), None);
    }

    #[test]
    fn literals_split_across_chunks_are_still_swapped() {
        let literals = addresses().literals();
        let text = "a=\"http://ex.test:81/sandbox/cargotech/cabinet/api\";b='ws://ex.test:81/sandbox/cargotech/cabinet/live';c=\"http:\\/\\/ex.test:81\\/sandbox\\/cargotech\\/cabinet\\/x\"";
        for split in 0..text.len() {
            let mut rewrite = TextRewrite::new(literals.clone());
            let mut out = rewrite.push(&text.as_bytes()[..split]);
            out.extend(rewrite.push(&text.as_bytes()[split..]));
            out.extend(rewrite.finish());
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "a=\"/cabinet/api\";b='ws://hauler.test/cabinet/live';c=\"\\/cabinet\\/x\"",
                "split at {split}"
            );
        }
    }

    #[test]
    fn html_is_rewritten_as_it_streams() {
        let page = "<a href=\"http://ex.test:81/sandbox/cargotech/cabinet/loads\">x</a>\
            <form action=\"http://ex.test:81/sandbox/cargotech/cabinet/bids\" method=post></form>\
            <script>fetch(\"http://ex.test:81/sandbox/cargotech/cabinet/api/feed\")</script>\
            <div style=\"background:url('http://ex.test:81/sandbox/cargotech/cabinet/bg.svg')\"></div>";
        let mut rewrite = HtmlRewrite::new(Arc::new(addresses()));
        let mut out = Vec::new();
        for chunk in page.as_bytes().chunks(7) {
            out.extend(rewrite.push(chunk));
        }
        out.extend(rewrite.finish());
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("href=\"/cabinet/loads\""), "{out}");
        assert!(out.contains("action=\"/cabinet/bids\""), "{out}");
        assert!(out.contains("fetch(\"/cabinet/api/feed\")"), "{out}");
        assert!(out.contains("url('/cabinet/bg.svg')"), "{out}");
        assert!(!out.contains("ex.test"), "{out}");
    }
}
