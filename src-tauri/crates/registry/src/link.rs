//! The `Link` header of a paginated tag list: `</v2/app/tags/list?last=1.2.0&n=2>;
//! rel="next"`. The address is followed as written (Quay's `next_page` cursors, ACR's
//! extra keys), resolved against the request's.

/// The address of the next page, if the header names one.
pub fn next(header: &str) -> Option<&str> {
    header.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once('>')?;
        let target = target.trim().strip_prefix('<')?;
        params
            .split(';')
            .filter_map(|p| p.split_once('='))
            .any(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            })
            .then_some(target)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn next_pages_are_found_in_each_providers_form() {
        assert_eq!(
            next(r#"</v2/myorg/app/tags/list?last=1.2.0&n=2>; rel="next""#),
            Some("/v2/myorg/app/tags/list?last=1.2.0&n=2")
        );
        assert_eq!(
            next(r#"</v2/hello-world/tags/list?last=v1&n=2&orderby=>; rel="next""#),
            Some("/v2/hello-world/tags/list?last=v1&n=2&orderby=")
        );
        assert_eq!(
            next(r#"<https://x/prev>; rel="prev", </v2/q/tags/list?next_page=abc>; rel=next"#),
            Some("/v2/q/tags/list?next_page=abc")
        );
        assert_eq!(next(r#"</v2/a>; rel="prev""#), None);
        assert_eq!(next("garbage"), None);
    }

    proptest! {
        #[test]
        fn any_header_is_read_without_panicking(header in "\\PC{0,120}") {
            let _ = next(&header);
        }
    }
}
