//! A request written as text by the fuzzer: `METHOD PATH\nname: value\n…\n\nbody`.

/// `METHOD PATH\nname: value\n…\n\nbody`, split into a method (alphabetic, else POST), the path as written,
/// the headers that can travel, and the body.
pub struct Parsed<'a> {
    pub method: String,
    pub path: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

pub fn parse(input: &[u8]) -> Parsed<'_> {
    let split = input.windows(2).position(|w| w == b"\n\n").unwrap_or(input.len());
    let (head, body) = (&input[..split], input.get(split + 2..).unwrap_or_default());
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let mut first = lines.next().unwrap_or_default().splitn(2, ' ');
    let method = first.next().filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_alphabetic())).unwrap_or("POST");
    let path = first.next().filter(|p| !p.contains([' ', '\r', '#'])).map(str::to_owned);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, v)| !k.is_empty() && !k.contains(['\r', ' ']) && !v.contains('\r'))
        .collect();
    Parsed { method: method.to_owned(), path, headers, body }
}
