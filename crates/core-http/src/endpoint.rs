//! Which endpoints a client may talk to in clear text.
//!
//! Access-key signatures, bearer tokens and the tokens the service returns all travel in
//! requests and responses, so a client should reach its resource over `https`. Plain
//! `http` is accepted without asking only for loopback hosts (the emulator, a local proxy):
//! `127.0.0.0/8`, `::1` (also IPv4-mapped, `::ffff:127.0.0.1`) and the name `localhost`.
//! Any other `http` host needs the caller's explicit opt-in,
//! [`crate::ClientOptions::allow_insecure_http`]. Clients call [`check_endpoint_scheme`]
//! when they are built; the bearer policy applies the loopback rule again on every request
//! and has no opt-in at all.

use std::net::IpAddr;

use url::{Host, Url};

use crate::{Error, ErrorKind, Result};

/// Checks that `endpoint` may be used: `https`, or `http` to a loopback host, or `http` to
/// any host when `allow_insecure` is set.
///
/// ```
/// use acs_core_http::{Url, check_endpoint_scheme};
///
/// let check = |url: &str, allow| -> Result<(), Box<dyn std::error::Error>> {
///     Ok(check_endpoint_scheme(&Url::parse(url)?, allow)?)
/// };
/// assert!(check("https://contoso.communication.azure.com/", false).is_ok());
/// assert!(check("http://127.0.0.1:8080/", false).is_ok());
/// assert!(check("http://localhost/", false).is_ok());
/// assert!(check("http://contoso.communication.azure.com/", false).is_err());
/// assert!(check("http://contoso.communication.azure.com/", true).is_ok());
/// assert!(check("ftp://contoso.communication.azure.com/", true).is_err());
/// ```
///
/// # Errors
///
/// [`ErrorKind::InvalidInput`] when the scheme is neither `https` nor `http`, when the URL
/// has no host, or when it is `http` to a host that is not loopback and `allow_insecure`
/// is `false`. The message names the host, which is not secret.
pub fn check_endpoint_scheme(endpoint: &Url, allow_insecure: bool) -> Result<()> {
    let Some(host) = endpoint.host_str().filter(|host| !host.is_empty()) else {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "the endpoint has no host",
        ));
    };

    match endpoint.scheme() {
        "https" => Ok(()),
        "http" if allow_insecure || is_loopback(endpoint) => Ok(()),
        "http" => Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "the endpoint uses plain http to `{host}`, which is not a loopback host; use \
                 https (plain http to other hosts needs ClientOptions::allow_insecure_http, \
                 and is never allowed with bearer tokens)"
            ),
        )),
        other => Err(Error::new(
            ErrorKind::InvalidInput,
            format!("the endpoint scheme must be https or http, not `{other}`"),
        )),
    }
}

/// Whether `url` names a loopback host: `127.0.0.0/8`, `::1`, an IPv4-mapped loopback
/// address, or `localhost` (any case, with or without the trailing dot). Other names, even
/// ones that happen to resolve to loopback, do not count: resolution is not ours to trust.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => {
            let domain = domain.strip_suffix('.').unwrap_or(domain);
            domain.eq_ignore_ascii_case("localhost")
        }
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn check(url: &str, allow_insecure: bool) -> Result<()> {
        check_endpoint_scheme(&url.parse().unwrap(), allow_insecure)
    }

    #[test]
    fn https_is_always_accepted() {
        for url in [
            "https://contoso.communication.azure.com/",
            "https://127.0.0.1:8443/",
            "https://[2001:db8::1]/",
        ] {
            check(url, false).unwrap();
            check(url, true).unwrap();
        }
    }

    #[test]
    fn plain_http_to_loopback_needs_no_opt_in() {
        for url in [
            "http://127.0.0.1:8080/",
            "http://127.255.0.9/",
            "http://127.1/",
            "http://[::1]:9000/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost/",
            "http://LocalHost:5000/",
            "http://localhost./",
        ] {
            check(url, false).unwrap_or_else(|e| panic!("{url}: {e}"));
        }
    }

    #[test]
    fn plain_http_elsewhere_needs_the_opt_in() {
        for url in [
            "http://contoso.communication.azure.com/",
            "http://10.0.0.1/",
            "http://128.0.0.1/",
            "http://[::2]/",
            "http://[::ffff:10.0.0.1]/",
            "http://localhost.contoso.com/",
            "http://my.localhost/",
            "http://0.0.0.0/",
        ] {
            let error = check(url, false).unwrap_err();
            assert_eq!(error.kind(), &ErrorKind::InvalidInput, "{url}");
            assert!(error.to_string().contains("allow_insecure_http"), "{error}");
            check(url, true).unwrap();
        }
    }

    #[test]
    fn other_schemes_and_hostless_urls_are_refused_even_with_the_opt_in() {
        for url in [
            "ftp://contoso/",
            "ws://127.0.0.1/",
            "file:///tmp/x",
            "data:text/plain,x",
        ] {
            let error = check(url, true).unwrap_err();
            assert_eq!(error.kind(), &ErrorKind::InvalidInput, "{url}");
        }
    }
}
