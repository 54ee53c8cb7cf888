//! Whether a client goes through a proxy, decided once for its one endpoint from the environment, as curl and
//! the official SDKs read it: `HTTPS_PROXY` / `https_proxy` for an `https` endpoint, `HTTP_PROXY` / `http_proxy`
//! for `http`, else `ALL_PROXY` / `all_proxy`; never for a loopback endpoint (`127.0.0.0/8`, `::1`,
//! `localhost`), nor for a host `NO_PROXY` / `no_proxy` names (`*`, a domain and its subdomains, with or without
//! a leading dot, an IP address or a CIDR block; a `:port` suffix is ignored).

use std::net::IpAddr;

use crate::Environment;

/// The proxy a client's requests go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    /// The URL as configured (credentials included: reqwest needs them).
    pub url: String,
    /// The variable it came from.
    pub variable: &'static str,
}

impl Proxy {
    /// How errors name it: the URL without credentials, and where it came from.
    pub(crate) fn describe(&self) -> String {
        let shown = match reqwest::Url::parse(&self.url) {
            Ok(mut url) => {
                let _ = url.set_username("");
                let _ = url.set_password(None);
                url.as_str().trim_end_matches('/').to_owned()
            }
            Err(_) => "(an unparsable URL)".to_owned(),
        };
        format!("{shown} (from {})", self.variable)
    }
}

/// The proxy for `endpoint` under `env`, if any.
pub(crate) fn for_endpoint(endpoint: &reqwest::Url, env: &Environment) -> Option<Proxy> {
    let host = endpoint.host_str()?.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    if is_loopback(&host) {
        return None;
    }
    let no_proxy = env.get("NO_PROXY").or_else(|| env.get("no_proxy"));
    if no_proxy.is_some_and(|list| excluded(&host, &list)) {
        return None;
    }
    let names: &[&'static str] = match endpoint.scheme() {
        "https" => &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        _ => &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
    };
    names.iter().find_map(|name| env.get(name).map(|url| Proxy { url, variable: name }))
}

fn is_loopback(host: &str) -> bool {
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host == "localhost" || host.ends_with(".localhost"),
    }
}

/// Whether the `NO_PROXY` list names `host`.
fn excluded(host: &str, list: &str) -> bool {
    let ip = host.parse::<IpAddr>().ok();
    list.split(',').map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry.to_ascii_lowercase();
        if let Some(ip) = ip {
            return matches_ip(ip, &entry);
        }
        let domain = strip_port(&entry).trim_start_matches("*.").trim_start_matches('.');
        !domain.is_empty() && (host == domain || host.strip_suffix(domain).is_some_and(|rest| rest.ends_with('.')))
    })
}

/// `host:port` → `host` (an IPv6 address in brackets keeps its colons).
fn strip_port(entry: &str) -> &str {
    if let Some(inner) = entry.strip_prefix('[') {
        return inner.split(']').next().unwrap_or(inner);
    }
    match entry.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => entry,
    }
}

fn matches_ip(ip: IpAddr, entry: &str) -> bool {
    let (addr, bits) = match entry.split_once('/') {
        Some((addr, bits)) => match bits.parse::<u32>() {
            Ok(bits) => (addr, Some(bits)),
            Err(_) => return false,
        },
        None => (strip_port(entry), None),
    };
    let Ok(net) = addr.parse::<IpAddr>() else { return false };
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => prefix_eq(&ip.octets(), &net.octets(), bits.unwrap_or(32)),
        (IpAddr::V6(ip), IpAddr::V6(net)) => prefix_eq(&ip.octets(), &net.octets(), bits.unwrap_or(128)),
        _ => false,
    }
}

/// Whether the first `bits` bits of `a` and `b` are equal.
fn prefix_eq(a: &[u8], b: &[u8], bits: u32) -> bool {
    let bits = (bits as usize).min(a.len() * 8);
    let (whole, rest) = (bits / 8, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy_for(endpoint: &str, vars: &[(&str, &str)]) -> Option<&'static str> {
        let env = Environment::from_vars(vars.iter().copied());
        for_endpoint(&reqwest::Url::parse(endpoint).unwrap(), &env).map(|p| p.variable)
    }

    #[test]
    fn the_scheme_picks_the_variable_and_loopback_is_never_proxied() {
        let all = [("HTTP_PROXY", "http://p:1"), ("HTTPS_PROXY", "http://p:2"), ("ALL_PROXY", "http://p:3")];
        assert_eq!(proxy_for("https://1.cn-hangzhou.fc.aliyuncs.com", &all), Some("HTTPS_PROXY"));
        assert_eq!(proxy_for("http://fc.example", &all), Some("HTTP_PROXY"));
        assert_eq!(proxy_for("http://fc.example", &[("https_proxy", "http://p")]), None);
        assert_eq!(proxy_for("http://fc.example", &[("all_proxy", "http://p")]), Some("all_proxy"));
        assert_eq!(proxy_for("http://fc.example", &[("HTTP_PROXY", "  ")]), None);
        for local in ["http://127.0.0.1:9000", "http://127.8.0.1", "http://[::1]:9000", "http://localhost:9000"] {
            assert_eq!(proxy_for(local, &all), None, "{local}");
        }
    }

    #[test]
    fn no_proxy_names_hosts_domains_addresses_and_blocks() {
        let proxied = |endpoint: &str, list: &str| {
            proxy_for(endpoint, &[("HTTP_PROXY", "http://p:1"), ("NO_PROXY", list)]).is_some()
        };
        assert!(!proxied("http://fc.example", "*"));
        assert!(!proxied("http://fc.example", "other.test, fc.example"));
        assert!(!proxied("http://a.fc.example", ".fc.example"));
        assert!(!proxied("http://a.fc.example", "fc.example"));
        assert!(!proxied("http://a.fc.example", "*.fc.example"));
        assert!(proxied("http://notfc.example", "fc.example"));
        assert!(!proxied("http://fc.example:9000", "fc.example:443"));
        assert!(!proxied("http://10.1.2.3", "10.0.0.0/8"));
        assert!(proxied("http://11.1.2.3", "10.0.0.0/8"));
        assert!(!proxied("http://192.168.1.7:9000", "192.168.1.7"));
        assert!(!proxied("http://[fd00::7]", "fd00::/8"));
        assert!(proxied("http://fc.example", ""));
        assert_eq!(proxy_for("http://fc.example", &[("HTTP_PROXY", "http://p"), ("no_proxy", "fc.example")]), None);
    }

    #[test]
    fn a_proxy_is_described_without_its_credentials() {
        let p = Proxy { url: "http://user:s3cret@proxy.corp:3128".into(), variable: "HTTPS_PROXY" };
        assert_eq!(p.describe(), "http://proxy.corp:3128 (from HTTPS_PROXY)");
    }
}
