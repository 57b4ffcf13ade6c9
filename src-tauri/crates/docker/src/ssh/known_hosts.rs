//! The `known_hosts` format as OpenSSH reads it: pure functions over the file's text.
//!
//! A line is `[@marker] patterns keytype base64 [comment]`, fields separated by spaces or
//! tabs. Patterns are a comma-separated list of host names with `*` and `?` wildcards, `!`
//! negating (a negated match excludes the line whatever else matches), or one hashed name
//! `|1|salt|hash` (HMAC-SHA1 of the name keyed with the salt, both base64). A host on a port
//! other than 22 is named `[host]:port`. `@revoked` keys are never accepted; `@cert-authority`
//! lines sign certificates and are no plain host keys, so they are skipped here.

use data_encoding::BASE64;
use hmac::{Hmac, KeyInit, Mac};
use russh::keys::{Algorithm, PublicKey};
use sha1::Sha1;

/// What a line says about the key it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// The key is the host's.
    Plain,
    /// The key must never be accepted.
    Revoked,
}

/// A line about the host looked up (1-based line numbers).
#[derive(Debug)]
pub enum Found {
    Key {
        line: usize,
        marker: Marker,
        key: PublicKey,
    },
    /// The line names the host but cannot be understood: callers refuse the host.
    Unreadable { line: usize, reason: String },
}

/// The name a host is filed under: `host` on port 22, `[host]:port` otherwise.
pub fn host_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Whether `host` can be filed as it is: a name with `* ? , !` would be a pattern (`*` trusts
/// the key for every host), one starting with `| # @` a hash, a comment or a marker, and
/// blanks or control characters would split or break the line.
pub fn is_plain_name(host: &str) -> bool {
    !host.is_empty()
        && !host
            .chars()
            .any(|c| "*?,!|#@".contains(c) || c.is_whitespace() || c.is_control())
}

/// The line that files `key` under `name` (as [`host_name`] builds it); `None` if `name` is
/// no [plain name](is_plain_name) or the key cannot be written.
pub fn entry(name: &str, key: &PublicKey) -> Option<String> {
    if !is_plain_name(name) {
        return None;
    }
    let mut key = key.clone();
    key.set_comment("");
    Some(format!("{name} {}", key.to_openssh().ok()?.trim_end()))
}

/// Every line of `text` about `name` (compared case-insensitively, as OpenSSH does), in
/// file order. Lines that do not name the host are skipped without being parsed further.
pub fn lookup(text: &str, name: &str) -> Vec<Found> {
    let name = name.to_lowercase();
    let mut found = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let mut fields = raw.split([' ', '\t', '\r']).filter(|f| !f.is_empty());
        let Some(first) = fields.next() else { continue };
        if first.starts_with('#') {
            continue;
        }
        let (marker, hosts) = match first.strip_prefix('@') {
            Some(marker) => (Some(marker), fields.next()),
            None => (None, Some(first)),
        };
        // A lone marker names no host.
        let Some(hosts) = hosts else { continue };
        if !hosts_match(hosts, &name) {
            continue;
        }
        let marker = match marker {
            None => Marker::Plain,
            Some("revoked") => Marker::Revoked,
            Some("cert-authority") => continue,
            Some(other) => {
                found.push(Found::Unreadable {
                    line,
                    reason: format!("unknown marker \"@{other}\""),
                });
                continue;
            }
        };
        found.push(match parse_key(fields.next(), fields.next()) {
            Ok(key) => Found::Key { line, marker, key },
            Err(reason) => Found::Unreadable { line, reason },
        });
    }
    found
}

/// The line of a revoked-keys file (`RevokedHostKeys`, text form: one public key a line,
/// `#` comments) that holds `key`; `Err` with the line and why for a line that cannot be read
/// (OpenSSH then refuses every key, and so does Squirrel).
pub fn revoked_line(text: &str, key: &PublicKey) -> Result<Option<usize>, (usize, String)> {
    for (index, raw) in text.lines().enumerate() {
        let mut fields = raw.split([' ', '\t', '\r']).filter(|f| !f.is_empty());
        let Some(first) = fields.next() else { continue };
        if first.starts_with('#') {
            continue;
        }
        let listed = parse_key(Some(first), fields.next()).map_err(|e| (index + 1, e))?;
        if listed.key_data() == key.key_data() {
            return Ok(Some(index + 1));
        }
    }
    Ok(None)
}

fn parse_key(key_type: Option<&str>, base64: Option<&str>) -> Result<PublicKey, String> {
    let (Some(key_type), Some(base64)) = (key_type, base64) else {
        return Err("the key type or the key is missing".into());
    };
    let known = key_type
        .parse::<Algorithm>()
        .map(|a| !matches!(a, Algorithm::Other(_)))
        .unwrap_or(false);
    if !known {
        return Err(format!("unknown key type \"{key_type}\""));
    }
    let key = PublicKey::from_openssh(&format!("{key_type} {base64}"))
        .map_err(|e| format!("the {key_type} key does not decode: {e}"))?;
    if key.algorithm().as_str() != key_type {
        return Err(format!("the key is not of type {key_type}"));
    }
    Ok(key)
}

/// Whether the host field of a line names `name` (already lower case).
pub fn hosts_match(field: &str, name: &str) -> bool {
    if field.starts_with('|') {
        return hashed_match(field, name);
    }
    let mut positive = false;
    for pattern in field.split(',') {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pattern),
        };
        if wildcard_match(&pattern.to_lowercase(), name) {
            if negated {
                return false;
            }
            positive = true;
        }
    }
    positive
}

/// `|1|salt|hash`: HMAC-SHA1(key = salt, name) == hash. Malformed fields match nothing.
fn hashed_match(field: &str, name: &str) -> bool {
    let Some((salt, hash)) = field.strip_prefix("|1|").and_then(|r| r.split_once('|')) else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (
        BASE64.decode(salt.as_bytes()),
        BASE64.decode(hash.as_bytes()),
    ) else {
        return false;
    };
    match Hmac::<Sha1>::new_from_slice(&salt) {
        Ok(mac) => mac
            .chain_update(name.as_bytes())
            .verify_slice(&hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// `*` matches any run of characters, `?` exactly one.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    // Where the last `*` was, and how much of the name it has swallowed.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    star = Some((sp, sn + 1));
                    p = sp + 1;
                    n = sn + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAma0NcYpR8DQtilwn273wt3LyA0JD8Wwmvi76XpFsiJ";
    const ED2: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHUg07cNFskLzg6NTTlwOjtoQgSyjT9Qa1Lt8zD9V+kE";
    const ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFDk2mLZy/GRGHuDdANWYyAcSrdx4Ly5SRW3uqQgPSG/+mCHJtn+bTobjEMd9vnWwHqa00u0zNiN7TLdmfAsdt0=";
    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDGvcxaGsLB//CLy6YHAGF7fG4SAvgnQcMUX+v9Bt0qP/yiQYlGR205/MJcOu5+dfgEeFyayN0Sc5ZmvMiUEfqRaO+m1jefIKoCqQGUtIOdvl87irwqfrNf5Kr73S2A/rXejV19owUb/pNSr7444GQDoeq+eIRTnGdghUSdF8CmMw==";
    /// `ssh-keygen -H` of `example.com` and of `[example.com]:2222`, both with ED.
    const HASHED_22: &str = "|1|LE5qtcKhOo0G2vd1h2a1I0XNggM=|5iIJv7vIwfyuT59hhweWfwMJC/4=";
    const HASHED_2222: &str = "|1|CTMM8AIhlzR837ippK3qB9poj/Q=|IA/tqH4FQTT/d//Zfw9bPpDCuQk=";

    fn key(openssh: &str) -> PublicKey {
        PublicKey::from_openssh(openssh).unwrap()
    }

    /// `(line, marker, key)` of the keys found, panicking on unreadable lines.
    fn keys(text: &str, name: &str) -> Vec<(usize, Marker, PublicKey)> {
        lookup(text, name)
            .into_iter()
            .map(|f| match f {
                Found::Key { line, marker, key } => (line, marker, key),
                Found::Unreadable { line, reason } => panic!("line {line}: {reason}"),
            })
            .collect()
    }

    fn unreadable(text: &str, name: &str) -> Vec<(usize, String)> {
        lookup(text, name)
            .into_iter()
            .filter_map(|f| match f {
                Found::Unreadable { line, reason } => Some((line, reason)),
                Found::Key { .. } => None,
            })
            .collect()
    }

    #[test]
    fn port_22_is_bare_and_others_are_bracketed() {
        assert_eq!(host_name("example.com", 22), "example.com");
        assert_eq!(host_name("example.com", 2222), "[example.com]:2222");
        assert_eq!(host_name("::1", 2222), "[::1]:2222");
        let text = format!("example.com {ED}\n[example.com]:2222 {ECDSA}\n");
        assert_eq!(
            keys(&text, "example.com"),
            vec![(1, Marker::Plain, key(ED))]
        );
        assert_eq!(
            keys(&text, "[example.com]:2222"),
            vec![(2, Marker::Plain, key(ECDSA))]
        );
        assert!(keys(&text, "[example.com]:22").is_empty());
    }

    #[test]
    fn fields_split_on_tabs_and_runs_of_spaces_and_comments_are_skipped() {
        let text = format!(
            "# a comment about example.com\n\n   \t\n  example.com\t \tssh-ed25519   {}  trailing comment words\r\n  # example.com {ED}\n",
            &ED[12..]
        );
        assert_eq!(
            keys(&text, "example.com"),
            vec![(4, Marker::Plain, key(ED))]
        );
    }

    #[test]
    fn host_lists_wildcards_and_negation() {
        let text = format!(
            "a.example,b.example {ED}\n*.lan,!secret.lan {ECDSA}\nweb?.example {RSA}\n!nowhere {ED2}\n"
        );
        assert_eq!(keys(&text, "b.example"), vec![(1, Marker::Plain, key(ED))]);
        assert_eq!(keys(&text, "box.lan"), vec![(2, Marker::Plain, key(ECDSA))]);
        assert!(
            keys(&text, "secret.lan").is_empty(),
            "a negated match excludes"
        );
        assert_eq!(
            keys(&text, "web1.example"),
            vec![(3, Marker::Plain, key(RSA))]
        );
        assert!(
            keys(&text, "web12.example").is_empty(),
            "? is one character"
        );
        assert!(
            keys(&text, "anything").is_empty(),
            "only negations match nothing"
        );
        assert_eq!(keys(&text, "A.EXAMPLE").len(), 1, "host names ignore case");
        assert_eq!(keys(&format!("A.Example {ED}"), "a.example").len(), 1);
        assert_eq!(
            keys(&format!("[*.lan]:2222 {ED}"), "[box.lan]:2222").len(),
            1
        );
        assert!(keys(&format!("*.lan {ED}"), "lan").is_empty());
    }

    #[test]
    fn wildcards_backtrack() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "aXbYbZc"));
        assert!(wildcard_match("*.*.example", "a.b.example"));
        assert!(!wildcard_match("a*b", "aXbY"));
        assert!(wildcard_match("**?", "x"));
        assert!(!wildcard_match("?", ""));
        assert!(!wildcard_match("", "x"));
    }

    #[test]
    fn hashed_names_match_with_the_port_and_only_their_host() {
        let text = format!("{HASHED_22} {ED}\n{HASHED_2222} {ED}\n");
        assert_eq!(
            keys(&text, "example.com"),
            vec![(1, Marker::Plain, key(ED))]
        );
        assert_eq!(keys(&text, "EXAMPLE.com").len(), 1);
        assert_eq!(
            keys(&text, "[example.com]:2222"),
            vec![(2, Marker::Plain, key(ED))]
        );
        assert!(keys(&text, "example.org").is_empty());
        // Malformed hashes name no host (and so cannot fail it).
        for bad in [
            "|1|!!|!!",
            "|2|LE5qtcKhOo0G2vd1h2a1I0XNggM=|5iIJv7vIwfyuT59hhweWfwMJC/4=",
            "|1|abc",
            "|",
        ] {
            assert!(
                lookup(&format!("{bad} {ED}"), "example.com").is_empty(),
                "{bad}"
            );
        }
    }

    #[test]
    fn several_keys_per_host_are_all_returned() {
        let text = format!("h {ED}\nh {ECDSA}\nother {RSA}\nh,x {RSA}\n");
        let found: Vec<usize> = keys(&text, "h").into_iter().map(|k| k.0).collect();
        assert_eq!(found, vec![1, 2, 4]);
    }

    #[test]
    fn revoked_is_reported_and_cert_authorities_are_no_plain_keys() {
        let text = format!("@revoked * {ED}\n@cert-authority *.example {ECDSA}\nh.example {RSA}\n");
        assert_eq!(
            keys(&text, "h.example"),
            vec![(1, Marker::Revoked, key(ED)), (3, Marker::Plain, key(RSA))]
        );
        assert!(
            lookup("@cert-authority h ssh-foo AAAA", "h").is_empty(),
            "a CA line is skipped whole"
        );
        assert!(
            lookup("@revoked", "h").is_empty(),
            "a lone marker names no host"
        );
    }

    #[test]
    fn a_matching_line_that_cannot_be_read_is_reported() {
        let cases = [
            ("h ssh-ed25519 !!notbase64!!", "does not decode"),
            (
                "h ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIAma0NcYpR8DQtilwn273wt3LyA0JD8Wwmvi76XpFsiJ",
                "unknown key type \"ssh-foo\"",
            ),
            ("h ssh-ed25519", "missing"),
            ("h", "missing"),
            ("@revoke h ssh-ed25519 AAAA", "unknown marker \"@revoke\""),
            // The type says RSA, the blob is an ed25519 key.
            (
                "h ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIAma0NcYpR8DQtilwn273wt3LyA0JD8Wwmvi76XpFsiJ",
                "ssh-rsa",
            ),
            (
                "h ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAma0NcYpR8DQtilwn273wt3LyA0JD8Wwmvi76XpFs",
                "does not decode",
            ),
            ("h 2048 65537 1234567", "unknown key type"),
        ];
        for (line, why) in cases {
            let text = format!("# first\n{line}\n");
            let found = unreadable(&text, "h");
            assert_eq!(found.len(), 1, "{line}");
            assert_eq!(found[0].0, 2);
            assert!(found[0].1.contains(why), "{line}: {}", found[0].1);
            // The same line about another host is none of this host's business.
            assert!(lookup(&text, "other").is_empty(), "{line}");
        }
    }

    #[test]
    fn an_entry_is_read_back() {
        let mut k = key(ED);
        k.set_comment("user@laptop");
        let line = entry("[127.0.0.1]:2222", &k).unwrap();
        assert_eq!(line, format!("[127.0.0.1]:2222 {ED}"));
        assert_eq!(
            keys(&line, "[127.0.0.1]:2222")[0].2.key_data(),
            k.key_data()
        );
    }

    #[test]
    fn names_that_would_be_patterns_are_not_written() {
        for good in ["h", "box-key", "[127.0.0.1]:2222", "[::1]:2222", "fe80::1"] {
            assert!(is_plain_name(good), "{good}");
            assert!(entry(good, &key(ED)).is_some(), "{good}");
        }
        for bad in [
            "", "*", "a,b", "!h", "h *", "h\tx", "|1|x|y", "#h", "@revoked", "h?", "h\n",
        ] {
            assert!(!is_plain_name(bad), "{bad:?}");
            assert!(entry(bad, &key(ED)).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_revoked_keys_file_lists_keys_one_a_line() {
        let text = format!("# retired\n\n  {ED2} old web key\n{ECDSA}\n");
        assert_eq!(revoked_line(&text, &key(ECDSA)), Ok(Some(4)));
        assert_eq!(revoked_line(&text, &key(ED2)), Ok(Some(3)));
        assert_eq!(revoked_line(&text, &key(ED)), Ok(None));
        assert_eq!(revoked_line("", &key(ED)), Ok(None));
        // A line that is no key fails, whatever key is asked about.
        let (line, why) = revoked_line(&format!("{ED2}\nh {ED}\n"), &key(ECDSA)).unwrap_err();
        assert_eq!(line, 2);
        assert!(why.contains("unknown key type \"h\""), "{why}");
    }

    fn hashed(name: &str, salt: &[u8]) -> String {
        let mac = Hmac::<Sha1>::new_from_slice(salt)
            .unwrap()
            .chain_update(name.as_bytes())
            .finalize()
            .into_bytes();
        format!("|1|{}|{}", BASE64.encode(salt), BASE64.encode(&mac))
    }

    fn separator() -> impl Strategy<Value = String> {
        "[ \t]{1,3}"
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in any::<String>(), name in any::<String>()) {
            let _ = lookup(&text, &name);
            let _ = lookup(&text, &name.to_lowercase());
        }

        #[test]
        fn known_hosts_shaped_noise_never_panics(
            lines in prop::collection::vec(
                "(@[a-z-]{0,15}[ \t])?[a-z*?!,|.\\[\\]:0-9=/+]{0,30}[ \t]+[a-z0-9@.-]{0,25}[ \t]+[A-Za-z0-9+/=]{0,90}( [^\n]{0,10})?",
                0..8,
            ),
            name in "[a-z.\\[\\]:0-9]{0,20}",
        ) {
            let _ = lookup(&lines.join("\n"), &name);
        }

        #[test]
        fn a_generated_line_is_found_exactly_when_its_patterns_say_so(
            host in "[a-z][a-z0-9-]{0,10}(\\.[a-z]{1,5}){0,2}",
            port in prop_oneof![Just(22u16), 1u16..],
            revoked in any::<bool>(),
            form in 0usize..5,
            negate_too in any::<bool>(),
            keyline in prop::sample::select(vec![ED, ED2, ECDSA, RSA]),
            seps in prop::collection::vec(separator(), 3),
            salt in prop::collection::vec(any::<u8>(), 20),
        ) {
            let name = host_name(&host, port);
            let pattern = match form {
                0 => name.clone(),
                1 => format!("unrelated.example,{}", name.to_uppercase()),
                2 => name.replacen(&host, &format!("{}*", &host[..1]), 1),
                3 => hashed(&name, &salt),
                _ => name.replacen(&host, &format!("?{}", &host[1..]), 1),
            };
            // Hashed fields cannot be lists: negation applies to pattern lists only.
            let negated = negate_too && form != 3;
            let pattern = if negated { format!("{pattern},!{name}") } else { pattern };
            let (key_type, base64) = keyline.split_once(' ').unwrap();
            let marker = if revoked { format!("@revoked{}", seps[0]) } else { String::new() };
            let line = format!("{marker}{pattern}{}{key_type}{}{base64} comment", seps[1], seps[2]);
            let found = keys(&line, &name);
            if negated {
                prop_assert!(found.is_empty(), "{line}");
            } else {
                let want = if revoked { Marker::Revoked } else { Marker::Plain };
                prop_assert_eq!(found, vec![(1, want, key(keyline))], "{}", line);
            }
            // Another host never matches the literal or hashed forms.
            if form == 0 || form == 3 {
                let other = format!("x{name}");
                prop_assert!(lookup(&line, &other).is_empty());
            }
        }
    }
}
