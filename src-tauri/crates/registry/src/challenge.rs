//! `WWW-Authenticate` challenges (RFC 7235, RFC 6750 §3): `Bearer realm="…",service="…",
//! scope="…"` or `Basic realm="…"`. Quoted values may hold commas and escaped quotes.

/// What a registry asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        /// The scope the registry named, if any (Squirrel asks for its own: see the caller).
        scope: Option<String>,
    },
}

/// Reads a challenge header; `None` when it names no scheme Squirrel knows or a Bearer
/// challenge has no realm.
pub fn parse(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let params = params(rest);
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    Some(Challenge::Bearer {
        realm: get("realm").filter(|r| !r.is_empty())?,
        service: get("service"),
        scope: get("scope"),
    })
}

/// `key=value` or `key="quoted, value"` pairs separated by commas.
fn params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars
            .next_if(|c| c.is_ascii_whitespace() || *c == ',')
            .is_some()
        {}
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && *c != ',') {
            key.push(c);
        }
        if chars.next_if_eq(&'=').is_none() {
            if chars.peek().is_none() {
                return out;
            }
            continue;
        }
        while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',') {
                value.push(c);
            }
            value = value.trim_end().to_string();
        }
        out.push((key.trim().to_string(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bearer_challenges_are_read_with_commas_in_quotes() {
        assert_eq!(
            parse(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:samalba/my-app:pull,push".into()),
            })
        );
        assert_eq!(
            parse(
                r#"bearer  realm=https://r.example/token , service="x\"y", error="invalid_token""#
            ),
            Some(Challenge::Bearer {
                realm: "https://r.example/token".into(),
                service: Some("x\"y".into()),
                scope: None,
            })
        );
        assert_eq!(
            parse(r#"Basic realm="basic-realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse(r#"Bearer service="no realm""#), None);
        assert_eq!(parse("Negotiate abc"), None);
        assert_eq!(parse(""), None);
    }

    proptest! {
        #[test]
        fn any_header_is_read_or_refused_without_panicking(header in "\\PC{0,120}") {
            let _ = parse(&header);
        }

        #[test]
        fn quoted_values_come_back_whole(realm in "[ -~]{1,40}", scope in "[ -~]{0,40}") {
            let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
            let header = format!(r#"Bearer realm="{}",scope="{}""#, quote(&realm), quote(&scope));
            prop_assert_eq!(parse(&header), Some(Challenge::Bearer {
                realm: realm.clone(), service: None, scope: Some(scope.clone()),
            }));
        }
    }
}
