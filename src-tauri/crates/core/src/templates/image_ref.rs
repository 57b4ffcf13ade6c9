//! Image references (`nginx`, `ghcr.io/owner/app:1.2`, `localhost:5000/x@sha256:…`) read by
//! the grammar of the distribution project's `reference` package, so a reference Squirrel
//! accepts is one the engine accepts too, and a refused one is refused with a reason.
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ registry "/" ] path-component { "/" path-component }
//! registry   := host [ ":" port ]      (the first component, when it has a "." or ":"
//!                                       or is "localhost")
//! component  := [a-z0-9]+ { separator [a-z0-9]+ }     separator := "." | "_" | "__" | "-"+
//! tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! digest     := algorithm ":" hex       (sha256: 64 hex, sha384: 96, sha512: 128, else >= 32)
//! ```

use std::fmt;
use std::net::Ipv6Addr;

/// The registry Docker uses when a reference names none.
pub const DOCKER_HUB: &str = "docker.io";
/// Docker's limit on the length of a name (registry and repository together).
const NAME_MAX: usize = 255;

/// A parsed image reference; fields hold what was written, defaults are added only by
/// [`ImageRef::normalized`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry host with optional port; `None` means Docker Hub.
    pub registry: Option<String>,
    /// Path inside the registry, e.g. `nginx` or `linuxserver/heimdall`.
    pub repository: String,
    pub tag: Option<String>,
    /// `algorithm:hex`.
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the image reference is empty".into());
        }
        if text.chars().any(char::is_whitespace) {
            return Err(format!(
                "an image reference cannot contain spaces: \"{text}\""
            ));
        }
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => (rest, Some(check_digest(digest)?)),
            None => (text, None),
        };
        // A tag's colon comes after the last slash; a registry port's comes before it.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                (&rest[..at], Some(check_tag(&rest[at + 1..])?))
            }
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(format!("the image reference \"{text}\" has no name"));
        }
        if name.len() > NAME_MAX {
            return Err(format!(
                "an image name can be at most {NAME_MAX} characters; this one has {}",
                name.len()
            ));
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, path)) if looks_like_registry(first) => {
                (Some(check_registry(first)?), path)
            }
            _ => (None, name),
        };
        for component in repository.split('/') {
            check_component(component, repository)?;
        }
        Ok(Self {
            registry,
            repository: repository.to_owned(),
            tag,
            digest,
        })
    }

    /// The fully spelled-out form the engine stores: `docker.io/library/nginx:latest`.
    /// `latest` is added only when there is neither a tag nor a digest.
    pub fn normalized(&self) -> String {
        let registry = self.registry.as_deref().unwrap_or(DOCKER_HUB);
        let official = registry == DOCKER_HUB && !self.repository.contains('/');
        let mut out = format!(
            "{registry}/{}{}",
            if official { "library/" } else { "" },
            self.repository
        );
        match (&self.tag, &self.digest) {
            (Some(tag), _) => {
                out.push(':');
                out.push_str(tag);
            }
            (None, None) => out.push_str(":latest"),
            (None, Some(_)) => {}
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }

    /// The tag to pull: the one written, or `latest` when neither tag nor digest is.
    pub fn tag_or_latest(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => Some(tag),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }
}

/// The reference as written, less surrounding space.
impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(registry) = &self.registry {
            write!(f, "{registry}/")?;
        }
        f.write_str(&self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ImageRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Docker's rule for telling `registry/path` from `user/path`.
fn looks_like_registry(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost"
}

fn check_registry(registry: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("\"{registry}\" is not a registry address: {why}"));
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        let Some((ip, after)) = rest.split_once(']') else {
            return bad("the IPv6 address opens a bracket and never closes it");
        };
        if ip.parse::<Ipv6Addr>().is_err() {
            return bad("the part in brackets is not an IPv6 address");
        }
        match after {
            "" => (None, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => return bad("only a port may follow the IPv6 address"),
            },
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(registry), None),
        }
    };
    if let Some(host) = host {
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if !host.split('.').all(label_ok) {
            return bad("host names are letters, digits and inner hyphens, separated by dots");
        }
    }
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.len() > 5 {
            return bad("the port must be a number");
        }
    }
    Ok(registry.to_owned())
}

fn check_component(component: &str, repository: &str) -> Result<(), String> {
    if component.is_empty() {
        return Err(format!(
            "a repository name cannot have an empty part (two slashes, or one at an end): \"{repository}\""
        ));
    }
    if component.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "uppercase letters are not allowed in a repository name: \"{repository}\""
        ));
    }
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if let Some(bad) = bytes.iter().find(|&&b| !alnum(b) && !b".-_".contains(&b)) {
        return Err(format!(
            "'{}' is not allowed in a repository name: \"{repository}\" (use a-z, 0-9, '.', '_' and '-')",
            char::from(*bad)
        ));
    }
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Err(format!(
            "each part of a repository name must start and end with a letter or digit: \"{repository}\""
        ));
    }
    // Between two alphanumeric runs: ".", "_", "__" or any number of "-".
    for separator in component.split(|c: char| c.is_ascii_alphanumeric()) {
        let ok = matches!(separator, "" | "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !ok {
            return Err(format!(
                "\"{separator}\" cannot separate words in a repository name: \"{repository}\" (use '.', '_', '__' or dashes)"
            ));
        }
    }
    Ok(())
}

fn check_tag(tag: &str) -> Result<String, String> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = tag.as_bytes();
    match bytes.first() {
        None => Err("the tag after ':' is empty".into()),
        Some(_) if bytes.len() > 128 => Err(format!(
            "a tag can be at most 128 characters; this one has {}",
            tag.len()
        )),
        Some(&first) if !word(first) => Err(format!(
            "a tag must start with a letter, digit or '_': \"{tag}\""
        )),
        Some(_) if !bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-') => Err(format!(
            "a tag may hold only letters, digits, '_', '.' and '-': \"{tag}\""
        )),
        Some(_) => Ok(tag.to_owned()),
    }
}

fn check_digest(digest: &str) -> Result<String, String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!(
            "a digest is written algorithm:hex, as in sha256:…; \"{digest}\" has no colon"
        ));
    };
    let component_ok = |c: &str| {
        let b = c.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
    };
    if !algorithm.split(['+', '.', '-', '_']).all(component_ok) {
        return Err(format!("\"{algorithm}\" is not a digest algorithm name"));
    }
    let expected = match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    let lower_hex = hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    match expected {
        Some(len) if hex.len() != len || !lower_hex => Err(format!(
            "a {algorithm} digest is {len} lowercase hex digits; got \"{hex}\""
        )),
        None if hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) => Err(format!(
            "a digest is at least 32 hex digits after the algorithm; got \"{hex}\""
        )),
        _ => Ok(digest.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn parsed(text: &str) -> (Option<String>, String, Option<String>, Option<String>) {
        match ImageRef::parse(text) {
            Ok(r) => (r.registry, r.repository, r.tag, r.digest),
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn splits_registry_repository_tag_and_digest() {
        assert_eq!(parsed("nginx"), (None, "nginx".into(), None, None));
        assert_eq!(
            parsed("linuxserver/heimdall:latest"),
            (
                None,
                "linuxserver/heimdall".into(),
                Some("latest".into()),
                None
            )
        );
        assert_eq!(
            parsed("ghcr.io/gethomepage/homepage:v1.2"),
            (
                Some("ghcr.io".into()),
                "gethomepage/homepage".into(),
                Some("v1.2".into()),
                None
            )
        );
        assert_eq!(
            parsed(&format!("localhost:5000/team/app:1.0@{SHA}")),
            (
                Some("localhost:5000".into()),
                "team/app".into(),
                Some("1.0".into()),
                Some(SHA.into())
            )
        );
        assert_eq!(
            parsed("[::1]:5000/app"),
            (Some("[::1]:5000".into()), "app".into(), None, None)
        );
        assert_eq!(
            parsed("localhost:5000"),
            (None, "localhost".into(), Some("5000".into()), None)
        );
        assert_eq!(
            parsed("x/a__b.c--d_e"),
            (None, "x/a__b.c--d_e".into(), None, None)
        );
    }

    #[test]
    fn normalizes_like_the_engine() {
        let norm = |t: &str| ImageRef::parse(t).map(|r| r.normalized());
        assert_eq!(norm("nginx"), Ok("docker.io/library/nginx:latest".into()));
        assert_eq!(
            norm("amir20/dozzle"),
            Ok("docker.io/amir20/dozzle:latest".into())
        );
        assert_eq!(norm("quay.io/x/y:2"), Ok("quay.io/x/y:2".into()));
        assert_eq!(
            norm(&format!("redis@{SHA}")),
            Ok(format!("docker.io/library/redis@{SHA}"))
        );
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let cases = [
            (
                "Nginx",
                "uppercase letters are not allowed in a repository name: \"Nginx\"",
            ),
            ("", "the image reference is empty"),
            ("nginx:", "the tag after ':' is empty"),
            ("nginx:-x", "must start with a letter"),
            ("a//b", "empty part"),
            ("a/b_", "start and end with a letter or digit"),
            ("a...b", "cannot separate words"),
            ("a___b", "cannot separate words"),
            ("a$b", "'$' is not allowed"),
            ("nginx@sha256:abc", "64 lowercase hex digits"),
            ("nginx@md5", "no colon"),
            ("exa_mple.com/x", "not a registry address"),
            ("my image", "cannot contain spaces"),
        ];
        for (text, needle) in cases {
            match ImageRef::parse(text) {
                Err(m) => assert!(m.contains(needle), "{text}: {m}"),
                Ok(r) => panic!("{text} parsed as {r:?}"),
            }
        }
        let long = format!("{}:{}", "a".repeat(10), "t".repeat(129));
        assert!(ImageRef::parse(&long).is_err());
    }

    fn component() -> impl Strategy<Value = String> {
        "[a-z0-9]{1,6}((\\.|_|__|-{1,3})[a-z0-9]{1,6}){0,2}"
    }

    /// A first component that cannot pass for a registry host.
    fn plain_component() -> impl Strategy<Value = String> {
        "[a-z0-9]{1,6}((_|__|-{1,3})[a-z0-9]{1,6}){0,2}"
            .prop_filter("not localhost", |c| c != "localhost")
    }

    fn registry() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9]{1,8}(\\.[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?){1,2}(:[0-9]{1,5})?",
            "localhost(:[0-9]{1,5})?",
        ]
    }

    fn image_ref() -> impl Strategy<Value = ImageRef> {
        let with_registry = (registry(), prop::collection::vec(component(), 1..4))
            .prop_map(|(r, path)| (Some(r), path.join("/")));
        let hub = (plain_component(), prop::collection::vec(component(), 0..3)).prop_map(
            |(first, rest)| {
                let mut path = vec![first];
                path.extend(rest);
                (None, path.join("/"))
            },
        );
        (
            prop_oneof![with_registry, hub],
            prop::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
            prop::option::of("[0-9a-f]{64}"),
        )
            .prop_map(|((registry, repository), tag, hex)| ImageRef {
                registry,
                repository,
                tag,
                digest: hex.map(|h| format!("sha256:{h}")),
            })
    }

    proptest! {
        #[test]
        fn display_reads_back_as_the_same_reference(reference in image_ref()) {
            prop_assert_eq!(ImageRef::parse(&reference.to_string()), Ok(reference));
        }

        #[test]
        fn any_text_is_parsed_or_refused_without_panicking(text in "\\PC{0,80}") {
            let _ = ImageRef::parse(&text);
        }
    }
}
