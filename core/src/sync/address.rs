//! Which server addresses a device may send its token and its records to: `https://`
//! anywhere, plain `http://` only to this machine (tests, a server started beside the
//! app). A forged enrollment QR code or a proxy setting that says `http://` to another
//! host would otherwise send the bearer token and every record in clear.
//!
//! One pure rule, used by the app's settings, enrollment and the HTTP transport itself,
//! so no path reaches the network around it.

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the server address must start with https:// (http:// only on this machine)")]
    Scheme,
    #[error("plain http:// is accepted only for a server on this machine (localhost, 127.0.0.1, [::1])")]
    PlainHttp,
    #[error("the server address has no host, or carries credentials or spaces")]
    Malformed,
}

impl AddressError {
    pub fn code(&self) -> crate::error_code::ErrorCode {
        use crate::error_code::ErrorCode;
        match self {
            AddressError::Scheme | AddressError::Malformed => ErrorCode::SettingsServerUrl,
            AddressError::PlainHttp => ErrorCode::SettingsServerUrlHttp,
        }
    }
}

/// The address, tidied (no trailing slash), when a device may sync with it.
pub fn check(url: &str) -> Result<String, AddressError> {
    let url = url.trim();
    let (https, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest.trim_end_matches('/')),
        (None, Some(rest)) => (false, rest.trim_end_matches('/')),
        _ => return Err(AddressError::Scheme),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || rest.contains(char::is_whitespace) {
        return Err(AddressError::Malformed);
    }
    if !https && !is_loopback(host_of(authority)) {
        return Err(AddressError::PlainHttp);
    }
    Ok(format!("{}://{rest}", if https { "https" } else { "http" }))
}

/// The host of `host[:port]` or `[v6]:port`, lower case.
fn host_of(authority: &str) -> String {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.to_ascii_lowercase()
}

fn is_loopback(host: String) -> bool {
    if host == "localhost" {
        return true;
    }
    host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("https://ccs.example.ml", Ok("https://ccs.example.ml"))]
    #[case("https://ccs.example.ml/", Ok("https://ccs.example.ml"))]
    #[case("https://10.0.0.5:8443", Ok("https://10.0.0.5:8443"))]
    #[case("http://127.0.0.1:8787", Ok("http://127.0.0.1:8787"))]
    #[case("http://127.1.2.3:8787", Ok("http://127.1.2.3:8787"))]
    #[case("http://localhost:8787/", Ok("http://localhost:8787"))]
    #[case("http://[::1]:8787", Ok("http://[::1]:8787"))]
    #[case::plain_http_elsewhere("http://ccs.example.ml", Err(AddressError::PlainHttp))]
    #[case::plain_http_lan("http://192.168.1.10:8787", Err(AddressError::PlainHttp))]
    #[case::loopback_lookalike("http://127.0.0.1.evil.ml", Err(AddressError::PlainHttp))]
    #[case::localhost_lookalike("http://localhost.evil.ml:80", Err(AddressError::PlainHttp))]
    #[case::credentials_hiding_host("http://127.0.0.1@evil.ml", Err(AddressError::Malformed))]
    #[case("ftp://ccs.example.ml", Err(AddressError::Scheme))]
    #[case("ccs.example.ml", Err(AddressError::Scheme))]
    #[case("https://", Err(AddressError::Malformed))]
    #[case("https://a b", Err(AddressError::Malformed))]
    fn only_https_leaves_this_machine(#[case] url: &str, #[case] expected: Result<&str, AddressError>) {
        assert_eq!(check(url), expected.map(str::to_string), "{url}");
    }
}
