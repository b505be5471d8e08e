//! The loopback rule for credentials: when the variables are unset and the URL
//! is on this machine, it can only be one of deskshift's own emulators, so
//! their documented defaults apply. A real account always needs the exports.

/// Whether `url`'s host is a loopback address (or `localhost`).
pub fn is_loopback(url: &str) -> bool {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', '?'])
        .next()
        .unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether none of `variables` is set.
pub fn all_unset(variables: &[&str]) -> bool {
    variables.iter().all(|v| std::env::var_os(v).is_none())
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_hosts_are_recognised() {
        assert!(is_loopback("http://127.0.0.1:18080"));
        assert!(is_loopback("http://localhost:1/api"));
        assert!(is_loopback("http://[::1]:8080"));
        assert!(!is_loopback("https://acme.stames.app"));
        assert!(!is_loopback("https://127.example.com"));
    }
}
